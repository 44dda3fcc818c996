"""Where a command's CPU time goes before its first training step, by thread: the JIT's compiler threads, the warm-up,
the main thread, the engine's workers. Runs the command, polls /proc/PID/task/*/stat every 20 ms (CPU time in the
kernel's clock ticks, SC_CLK_TCK a second), and reads the first epoch's start from the command's `epoch 1/N ... S s`
line.

    python3 benchmarks/cold/thread_times.py ./delta4j train --data fashion-mnist --layers 784,256,128,10 \\
        --task classification --loss ce --optimizer adam --batch 128 --engine cpu --threads 2 --epochs 2 --out /tmp/m.bin

Prints each thread group's CPU seconds at the first step and at the end, then the sum. A thread's time is the most its
stat file showed, so threads that ended (the warm-up) keep theirs. The command's wall time includes this script's
start of it; compare builds by alternating them, as the other cold-start figures are.
"""
import collections
import os
import re
import subprocess
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
GROUPS = (("C2 Compi", "C2 compiler"), ("C1 Compi", "C1 compiler"), ("delta4j-prewarm", "warm-up"),
          ("delta4j-cpu-wor", "engine workers"), ("java", "main"), ("VM Thread", "VM thread"))


def group(name):
    for prefix, label in GROUPS:
        if name.startswith(prefix):
            return label
    return "other"


def tasks(pid):
    """{(pid, tid): (name, cpu seconds)} for the process and its children (the launcher runs java as one)."""
    pids = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    out = {}
    for p in pids:
        try:
            tids = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/stat" % (p, tid)) as f:
                    st = f.read()
            except OSError:
                continue
            name = st[st.index("(") + 1:st.rindex(")")]
            fields = st[st.rindex(")") + 2:].split()
            out[(p, tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)  # utime + stime
    return out


def main(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    samples, done = [], threading.Event()

    def poll():
        while not done.is_set():
            snap = tasks(proc.pid)
            if snap:
                samples.append((time.perf_counter() - t0, snap))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    first = None
    for line in proc.stdout:
        m = re.match(r"epoch\s+1/\d+ .* ([\d.]+) s$", line.rstrip())
        if m:
            first = time.perf_counter() - t0 - float(m.group(1))
    proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    poller.join()

    def by_group(until):
        most = {}
        for t, snap in samples:
            if t > until:
                break
            for key, (name, cpu) in snap.items():
                most[key] = (name, max(cpu, most.get(key, (name, 0.0))[1]))
        g = collections.defaultdict(float)
        for name, cpu in most.values():
            g[group(name)] += cpu
        return g

    end = by_group(float("inf"))
    before = by_group(first) if first is not None else {}
    at = "%.3f s" % first if first is not None else "(no epoch line)"
    print("exit %d, wall %.2f s, first step at %s" % (proc.returncode, wall, at))
    print("%-16s %10s %8s" % ("thread", "1st step", "end"))
    for label in sorted(end, key=lambda k: -end[k]):
        print("%-16s %10.2f %8.2f" % (label, before.get(label, 0.0), end[label]))
    print("%-16s %10.2f %8.2f" % ("all", sum(before.values()), sum(end.values())))
    return proc.returncode


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
