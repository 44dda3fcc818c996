#!/usr/bin/python3
"""delta4j's peers, measured side by side with the JMH suite: OpenBLAS through numpy and PyTorch CPU.

Run by Debian's own interpreter (/usr/bin/python3) with Debian's python3-numpy, python3-torch and
python3-threadpoolctl. It reads the suite's plan (the same gemm shapes, networks, thread counts and
repetitions the JMH run uses, written by `Suite plan`) and writes one JSON file that the report merges:

    /usr/bin/python3 benchmarks/peers/peers.py --plan plan.json --out peers.json

Each thread count runs in a fresh child process, because OpenBLAS reads its settings from the environment
when it loads: OPENBLAS_NUM_THREADS (torch.set_num_threads does not limit OpenBLAS), OMP_NUM_THREADS and
OPENBLAS_CORETYPE. Debian's OpenBLAS does not recognise every recent CPU and then falls back to slower
kernels, so the script names SkylakeX on CPUs with AVX-512 (Haswell with AVX2 only) and records the core type
threadpoolctl reports. The peer must be OpenBLAS at its best, so in the timing profiles (quick, full) an
OPENBLAS_CORETYPE inherited from the environment (some machines set Haswell, with OPENBLAS_L2_SIZE, for every
program, because older OpenBLAS builds crash or compute wrong results on their CPU) is replaced and the inherited
OPENBLAS_L2_SIZE dropped with it, and the report says so; the smoke profile, which CI runs, keeps the environment's
settings. DELTA4J_OPENBLAS_CORETYPE chooses a core type on purpose. Either way the OpenBLAS peer is checked against
a float64 product first and left out, with the reason, if its results are wrong.
"""

import argparse
import gzip
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def default_coretype():
    flags = cpu_flags()
    if "avx512f" in flags:
        return "SkylakeX"
    if "avx2" in flags:
        return "Haswell"
    return None


def openblas_error(np):
    """None when OpenBLAS's sgemm agrees with a float64 product (both operand layouts), else why it is left out."""
    rng = np.random.default_rng(7)
    a = rng.uniform(-1, 1, (300, 257)).astype(np.float32)
    b = rng.uniform(-1, 1, (257, 330)).astype(np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    for got in (a @ b, (b.T @ a.T).T):
        err = float(np.max(np.abs(got - want) / scale))
        if not err < 1e-5:  # float32 rounding over k = 257 stays near 1e-7; also catches NaN
            return ("OpenBLAS computes wrong sgemm results with core type %s here (relative error %.1e): set "
                    "DELTA4J_OPENBLAS_CORETYPE to a core type this CPU runs" % (os.environ.get("OPENBLAS_CORETYPE"), err))
    return None


def measure(fn, seconds, measurements, warmups):
    """Median seconds per call of fn over `measurements` timed batches, half the interquartile range, the count
    and the fastest batch."""
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    reps = max(1, int(math.ceil(seconds / once)))
    samples = []
    for i in range(warmups + measurements):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        dt = (time.perf_counter() - t0) / reps
        if i >= warmups:
            samples.append(dt)
    return summarize(samples)


def quantile(sorted_xs, p):
    """Linear interpolation between closest ranks, the same rule as the Java report's Stats.quantile."""
    pos = (len(sorted_xs) - 1) * p
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def summarize(samples):
    """The median and half the interquartile range (on a shared machine a burst of other work drags a mean
    along with it, while the median of several batches moves only when most of them were disturbed), the
    count, and the fastest batch (what the paired rounds compare)."""
    xs = sorted(samples)
    if len(xs) < 2:
        return xs[0], float("nan"), len(xs), xs[0]
    return quantile(xs, 0.5), (quantile(xs, 0.75) - quantile(xs, 0.25)) / 2, len(xs), xs[0]


def parse_shape(text):
    ops, dims = text.split(":")
    m, k, n = (int(x) for x in dims.split("x"))
    return ops[0] == "t", ops[1] == "t", m, k, n


def parse_net(text):
    sizes, batch = text.split("@")
    return [int(s) for s in sizes.split("-")], int(batch)


def load_fashion(directory, samples):
    import numpy as np
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    images = np.frombuffer(raw, dtype=np.uint8, offset=16)[: samples * 784].reshape(samples, 784)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:samples]
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def synthetic(samples):
    import numpy as np
    rng = np.random.default_rng(20240601)
    return rng.integers(0, 256, (samples, 784)).astype(np.float32) / 255.0, rng.integers(0, 10, samples).astype(np.int64)


# ---------------------------------------------------------------- one thread count (child process)

def child(plan, threads, out_path):
    results, unavailable, meta = [], [], {}
    sec, meas = plan["seconds_per_measurement"], plan["measurements"]
    full = plan["profile"] == "full"
    # A paired round's step names one peer (and one shape or the epoch); the main plan runs both.
    impls = plan.get("impls", ["openblas", "pytorch"])
    skip = set(plan.get("openblas_skip", []))

    def add(bench, impl, key, summary):
        median, err, n, best = summary
        results.append({"benchmark": bench, "impl": impl, "key": key, "threads": threads,
                        "seconds": median, "error": err if err == err else None, "samples": n, "best": best})

    try:
        import numpy as np
    except ImportError as e:
        unavailable.append({"impl": "openblas", "reason": "python3-numpy is not installed (%s): apt-get install python3-numpy" % e})
        np = None
    if np is not None:
        meta["numpy"] = np.__version__
        # Debian's numpy loads whichever libblas.so.3 the alternatives name; with only the reference BLAS
        # installed it runs 30x slower than OpenBLAS, so a peer we cannot identify is not measured at all.
        blas_reason = None
        try:
            from threadpoolctl import threadpool_info
            pools = [p for p in threadpool_info() if p.get("internal_api") == "openblas"]
            if pools:
                meta["openblas"] = "%s, core type %s, %s thread(s), %s" % (pools[0].get("version"), pools[0].get("architecture"),
                                                                         pools[0].get("num_threads"), pools[0].get("filepath"))
                meta["openblas_coretype"] = pools[0].get("architecture")
            else:
                found = [p.get("internal_api") for p in threadpool_info() if p.get("user_api") == "blas"]
                blas_reason = ("numpy is not linked to OpenBLAS (threadpoolctl sees %s; with Debian's libblas3 alone numpy "
                               "runs the slow reference BLAS): apt-get install libopenblas0-pthread"
                               % (", ".join(found) or "no BLAS it knows"))
        except ImportError:
            blas_reason = ("cannot tell which BLAS numpy uses (python3-threadpoolctl is not installed): "
                           "apt-get install python3-threadpoolctl")
        if blas_reason is not None:
            meta["openblas"] = blas_reason
        if "openblas" in impls:
            reason = blas_reason or openblas_error(np)
            if reason is not None:
                unavailable.append({"impl": "openblas", "reason": reason})
                impls = [i for i in impls if i != "openblas"]
        rng = np.random.default_rng(42)
        for shape in plan["gemm_shapes"] if "openblas" in impls else []:
            if shape in skip:
                continue  # measured in the paired rounds
            ta, tb, m, k, n = parse_shape(shape)
            a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
            b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
            opa, opb = (a.T if ta else a), (b.T if tb else b)
            c = np.empty((m, n), dtype=np.float32)
            add("sgemm", "openblas", shape, measure(lambda: np.matmul(opa, opb, out=c), sec, meas, 1))

    torch = None
    if "pytorch" in impls:
        try:
            import torch
        except ImportError as e:
            unavailable.append({"impl": "pytorch", "reason": "python3-torch is not installed (%s): apt-get install python3-torch" % e})
    if torch is not None and np is not None:
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        meta["torch"] = "%s, %d intra-op thread(s)" % (torch.__version__, torch.get_num_threads())
        nn = torch.nn
        if full:
            for shape in plan["gemm_shapes"]:
                ta, tb, m, k, n = parse_shape(shape)
                a = torch.rand((k, m) if ta else (m, k)) * 2 - 1
                b = torch.rand((n, k) if tb else (k, n)) * 2 - 1
                opa, opb = (a.t() if ta else a), (b.t() if tb else b)
                c = torch.empty(m, n)
                add("sgemm", "pytorch", shape, measure(lambda: torch.mm(opa, opb, out=c), sec, meas, 1))

        def mlp(sizes):
            layers = []
            for i in range(len(sizes) - 1):
                layers.append(nn.Linear(sizes[i], sizes[i + 1]))
                if i < len(sizes) - 2:
                    layers.append(nn.ReLU())
            return nn.Sequential(*layers)

        ce = nn.CrossEntropyLoss()
        for net in plan["nets"]:
            sizes, batch = parse_net(net)
            model = mlp(sizes)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x = torch.rand(batch, sizes[0])
            y = torch.randint(0, sizes[-1], (batch,))

            def forward():
                with torch.no_grad():
                    return torch.softmax(model(x), dim=1)

            add("forward", "pytorch", net, measure(forward, sec, meas, 1))
            loss = ce(model(x), y)

            def backward():
                model.zero_grad(set_to_none=True)
                loss.backward(retain_graph=True)

            add("backward", "pytorch", net, measure(backward, sec, meas, 1))

            def step():
                opt.zero_grad(set_to_none=True)
                l = ce(model(x), y)
                l.backward()
                opt.step()
                return l

            add("step", "pytorch", net, measure(step, sec, meas, 1))

        ep = plan["epoch"]
        if ep is None:  # the epoch is measured in the paired rounds
            return write(out_path, results, unavailable, meta)
        sizes, batch = parse_net(ep["net"])
        samples = ep["samples"]
        xs, ys = load_fashion(plan["dataset"], samples) if plan.get("dataset") else synthetic(samples)
        meta["dataset"] = plan.get("dataset") or "synthetic (dataset-fashion-mnist is not installed)"
        X, Y = torch.from_numpy(xs), torch.from_numpy(ys)
        model = mlp(sizes)
        opt = torch.optim.Adam(model.parameters(), lr=ep["learning_rate"])
        steps = (samples + batch - 1) // batch  # the last batch holds the remainder, as delta4j's Trainer does

        def epoch():
            perm = torch.randperm(samples)
            total = torch.zeros(())
            for s in range(steps):
                idx = perm[s * batch:(s + 1) * batch]
                opt.zero_grad(set_to_none=True)
                l = ce(model(X[idx]), Y[idx])
                l.backward()
                opt.step()
                total += l.detach()
            return float(total) / steps

        times = []
        started = time.perf_counter()
        for i in range(ep["warmups"] + ep["iterations"]):
            t0 = time.perf_counter()
            epoch()
            if i >= ep["warmups"]:
                times.append(time.perf_counter() - t0)
            # A pathologically slow configuration must not eat the profile's time: stop after a minute.
            if times and time.perf_counter() - started > 60:
                meta["epoch note (%d threads)" % threads] = "stopped after %d epoch(s): over a minute in total" % len(times)
                break
        add("epoch", "pytorch", "%s/%d" % (ep["net"], samples), summarize(times))
    write(out_path, results, unavailable, meta)


def write(out_path, results, unavailable, meta):
    with open(out_path, "w") as f:
        json.dump({"results": results, "unavailable": unavailable, "meta": meta}, f)


# ---------------------------------------------------------------- the parent: one child per thread count

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", required=True, help="the plan JSON written by `Suite plan PROFILE FILE`")
    ap.add_argument("--out", required=True, help="where to write the peers' JSON")
    ap.add_argument("--child-threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    if args.child_threads is not None:
        child(plan, args.child_threads, args.out)
        return 0

    chosen = os.environ.get("DELTA4J_OPENBLAS_CORETYPE")
    inherited = os.environ.get("OPENBLAS_CORETYPE")
    timing = plan.get("profile") in ("quick", "full")
    coretype = chosen or (default_coretype() if timing or not inherited else inherited)
    merged = {"results": [], "unavailable": [], "meta": {
        "python": "%s %s" % (sys.executable, platform.python_version()),
        "OPENBLAS_CORETYPE": coretype or "(unset: OpenBLAS detects the CPU itself)",
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
    }}
    replaced = inherited and not chosen and coretype and inherited != coretype
    if replaced:
        merged["meta"]["OPENBLAS_CORETYPE note"] = (
            "the environment's OPENBLAS_CORETYPE=%s (and OPENBLAS_L2_SIZE=%s) was replaced by %s, the fastest kernels "
            "this CPU runs (DELTA4J_OPENBLAS_CORETYPE chooses)" % (inherited, os.environ.get("OPENBLAS_L2_SIZE", "unset"), coretype))
        print("peers: " + merged["meta"]["OPENBLAS_CORETYPE note"], flush=True)
    failed = []
    for threads in plan["threads"]:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if coretype:
            env["OPENBLAS_CORETYPE"] = coretype
        if replaced:
            env.pop("OPENBLAS_L2_SIZE", None)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            part = tmp.name
        try:
            print("peers: %d thread(s), OPENBLAS_CORETYPE=%s" % (threads, coretype), flush=True)
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--plan", args.plan, "--out", part,
                                   "--child-threads", str(threads)], env=env)
            if proc.returncode != 0:
                failed.append("the %d-thread peer run exited with %d" % (threads, proc.returncode))
                continue
            with open(part) as f:
                got = json.load(f)
        finally:
            os.unlink(part)
        merged["results"].extend(got["results"])
        for u in got["unavailable"]:
            if u not in merged["unavailable"]:
                merged["unavailable"].append(u)
        for k, v in got["meta"].items():
            if k in ("openblas", "torch"):
                merged["meta"]["%s (%d thread%s)" % (k, threads, "" if threads == 1 else "s")] = v
            else:
                merged["meta"][k] = v
    for f in failed:
        merged["unavailable"].append({"impl": "peers", "reason": f})
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(merged, f, indent=1)
    os.replace(tmp, args.out)
    print("peers: wrote %d results to %s" % (len(merged["results"]), args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
