"""OpenBLAS comparison numbers for engine-cpu's GemmProbe: the same shapes through numpy.matmul.

Run right after GemmProbe, in the same shell, with Debian's numpy on OpenBLAS
(apt-get install python3-numpy libopenblas0-pthread):

    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 engine-cpu/openblas_probe.py
    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=2 /usr/bin/python3 engine-cpu/openblas_probe.py

Like GemmProbe it keeps the best of 15 rounds of about 1 GFLOP each.
"""
import numpy as np, time, sys
def bench(f, flops, reps):
    f()
    best = 1e9
    for _ in range(15):
        t = time.perf_counter()
        for _ in range(reps): f()
        best = min(best, (time.perf_counter() - t) / reps)
    return flops / best / 1e9
rng = np.random.default_rng(1)
for n in (256, 512, 1024, 2048):
    a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32); c = np.empty((n, n), np.float32)
    reps = max(1, int(1e9 / (2 * n**3)))
    print(f"sgemm {n}: {bench(lambda: np.matmul(a, b, out=c), 2*n**3, reps):.1f} GFLOP/s")
def shp(name, m, n, k, ta, tb):
    A = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    B = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    C = np.empty((m, n), np.float32)
    opA = A.T if ta else A; opB = B.T if tb else B
    reps = max(1, int(1e9 / (2 * m * n * k)))
    print(f"{name} {m}x{n}x{k}: {bench(lambda: np.matmul(opA, opB, out=C), 2*m*n*k, reps):.1f} GFLOP/s")
shp("fwd A.W   ", 256, 512, 784, False, False)
shp("bwd D.Wt  ", 256, 784, 512, False, True)
shp("grad At.D ", 784, 512, 256, True, False)
shp("fwd A.W   ", 256, 512, 512, False, False)
shp("bwd D.Wt  ", 256, 512, 512, False, True)
shp("grad At.D ", 512, 512, 256, True, False)
shp("out A.W   ", 256, 10, 512, False, False)
shp("out D.Wt  ", 256, 512, 10, False, True)
shp("out At.D  ", 512, 10, 256, True, False)
