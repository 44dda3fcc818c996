"""The cold-start rows of the benchmark report: a user's whole command, timed from outside, for the README's
Fashion-MNIST job (784-256-128-10, ReLU, softmax cross-entropy, Adam at 0.001, batch 128) over EPOCHS epochs:

  * delta4j: `./delta4j train ... --engine cpu --threads T --epochs N --metrics-json F` (JVM start, reading the data,
    training, scoring the test set, saving the model), its epochs' seconds from the metrics file;
  * PyTorch: fashion_train.py (Python start, import torch, reading the data, training, scoring the test set) at each
    thread count, with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS set to it.

Each round runs every command once, alternating, so a busy period touches both sides.

    python3 benchmarks/cold/cold_start.py --out cold.json [--rounds 2] [--epochs 10,2] [--threads 1,2]

Writes {"runs": [{"impl", "threads", "epochs", "round", "wall_s", "epoch_s": [...], "test_accuracy", "core_round_trip_ns"}],
"meta": {...}}; core_round_trip_ns is measured right after each run (CoreDistance, when benchmarks.jar is built).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = "/usr/share/datasets/fashion-mnist"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def delta4j(epochs, threads, tmp):
    metrics = os.path.join(tmp, "metrics.json")
    cmd = [os.path.join(ROOT, "delta4j"), "train", "--data", "fashion-mnist", "--layers", "784,256,128,10", "--task",
           "classification", "--loss", "ce", "--optimizer", "adam", "--batch", "128", "--engine", "cpu", "--threads",
           str(threads), "--epochs", str(epochs), "--quiet", "--out", os.path.join(tmp, "model.bin"), "--metrics-json", metrics]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError("delta4j exited with %d: %s" % (proc.returncode, proc.stderr.strip()[-500:]))
    with open(metrics) as f:
        m = json.load(f)
    return {"wall_s": wall, "epoch_s": [e["seconds"] for e in m["epochs"]], "test_accuracy": m["test"]["accuracy"]}


def core_round_trip():
    """The round trip of a cache line between two threads right now, in ns (delta4j.benchmarks.CoreDistance), or None
    without the benchmarks' jar. Above about 200 ns the host has placed the two cores far apart, where every 2-thread
    training step runs up to twice as long (engine-cpu/README.md, Threads)."""
    jar = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")
    if not os.path.isfile(jar):
        return None
    cmd = '. "%s/scripts/jdk.sh" && delta4j_select_jdk && exec java -cp "%s" delta4j.benchmarks.CoreDistance 0.2' % (ROOT, jar)
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=False)
    m = re.findall(r"round trip (\d+) ns", proc.stdout)
    return int(m[-1]) if m else None


def pytorch(epochs, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "fashion_train.py"), DATA, str(epochs), str(threads)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError("fashion_train.py exited with %d: %s" % (proc.returncode, proc.stderr.strip()[-500:]))
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "epoch_s": r["epochs"], "test_accuracy": r["test_accuracy"], "torch": r["torch"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--epochs", default="10,2")
    ap.add_argument("--threads", default="1,2", help="PyTorch's thread counts (delta4j runs on the largest)")
    ap.add_argument("--delta4j-threads", type=int, default=2)
    args = ap.parse_args()
    epochs = [int(e) for e in args.epochs.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    meta = {"command": " ".join(sys.argv), "load_before": loadavg(), "data": DATA, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    runs, unavailable = [], []
    if not os.path.isdir(DATA):
        unavailable.append("Fashion-MNIST is not installed at %s (apt-get install dataset-fashion-mnist)" % DATA)
    try:
        import torch  # noqa: F401  (only to say why PyTorch's rows are missing)
        meta["torch"] = torch.__version__
    except ImportError as e:
        unavailable.append("python3-torch is not installed (%s)" % e)
        threads = []
    with tempfile.TemporaryDirectory() as tmp:
        if not unavailable or threads:
            # The launcher builds delta4j when its jar is stale: never inside a timed run.
            subprocess.run([os.path.join(ROOT, "delta4j"), "--version"], stdout=subprocess.DEVNULL, check=False)
        for r in range(args.rounds if os.path.isdir(DATA) else 0):
            for n in epochs:
                jobs = [("delta4j", args.delta4j_threads)] + [("pytorch", t) for t in threads]
                for impl, t in jobs:
                    try:
                        res = delta4j(n, t, tmp) if impl == "delta4j" else pytorch(n, t)
                    except (RuntimeError, OSError, ValueError) as e:
                        unavailable.append("%s, %d epochs, %d thread(s): %s" % (impl, n, t, e))
                        continue
                    res.update({"impl": impl, "threads": t, "epochs": n, "round": r + 1, "load": loadavg(),
                                "core_round_trip_ns": core_round_trip()})
                    runs.append(res)
                    print("cold start: %-7s %2d epochs, %d thread(s): %.2f s whole, first epoch %.2f s; cores' round trip %s ns"
                          % (impl, n, t, res["wall_s"], res["epoch_s"][0], res["core_round_trip_ns"]), flush=True)
    meta["load_after"] = loadavg()
    with open(args.out + ".tmp", "w") as f:
        json.dump({"runs": runs, "unavailable": unavailable, "meta": meta}, f, indent=1)
    os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
