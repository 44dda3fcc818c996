#!/usr/bin/python3
"""PyTorch CPU's side of LayersEpochBenchmark: one Fashion-MNIST epoch of 784-512-512-10 (ReLU, softmax
cross-entropy, Adam at 1e-3, batches of 128, the last batch holding the remainder), plain or with every hidden layer
batch-normalised (Linear without bias, BatchNorm1d whose shift plays the bias, as delta4j's normalised layer) and
followed by dropout. Each thread count runs in a child process of its own, so the peer is measured at its best
thread count (OpenBLAS with the CPU's fastest core type, as peers.py chooses it: Debian's python3-torch does
its products through the system BLAS, so libopenblas0-pthread must be installed); the script prints one JSON object per (threads, layers) with the epoch times in seconds.

    /usr/bin/python3 benchmarks/peers/layers_epoch.py [--threads 1,2] [--epochs 4] [--samples 60000]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import default_coretype, load_fashion, synthetic  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"


def network(torch, norm, p):
    nn = torch.nn
    layers, width = [], 784
    for units in (512, 512):
        if norm == "batch":
            layers += [nn.Linear(width, units, bias=False), nn.BatchNorm1d(units)]
        else:
            layers.append(nn.Linear(width, units))
        layers.append(nn.ReLU())
        if p > 0:
            layers.append(nn.Dropout(p))
        width = units
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def child(threads, epochs, samples):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(3)
    xs, ys = load_fashion(FASHION, samples) if os.path.isdir(FASHION) else synthetic(samples)
    X, Y = torch.from_numpy(xs), torch.from_numpy(ys)
    ce = torch.nn.CrossEntropyLoss()
    for norm, p in (("none", 0.0), ("batch", 0.2)):
        model = network(torch, norm, p)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        times = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            perm = torch.randperm(samples)
            for s in range(0, samples, 128):
                idx = perm[s:s + 128]
                opt.zero_grad(set_to_none=True)
                loss = ce(model(X[idx]), Y[idx])
                loss.backward()
                opt.step()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"impl": "pytorch " + torch.__version__, "threads": threads, "norm": norm, "dropout": p,
                          "epoch_seconds": times, "median_after_first": statistics.median(times[1:] or times)}),
              flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--child", type=int)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.epochs, a.samples)
    for t in (int(x) for x in a.threads.split(",")):
        env = dict(os.environ, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
        # OpenBLAS at its best, as peers.py measures it: the CPU's fastest core type (DELTA4J_OPENBLAS_CORETYPE chooses).
        coretype = os.environ.get("DELTA4J_OPENBLAS_CORETYPE") or default_coretype()
        env.pop("OPENBLAS_L2_SIZE", None)
        if coretype:
            env["OPENBLAS_CORETYPE"] = coretype
        subprocess.run([sys.executable, os.path.abspath(__file__), "--child", str(t), "--epochs", str(a.epochs),
                        "--samples", str(a.samples)], env=env, check=True)


if __name__ == "__main__":
    main()
