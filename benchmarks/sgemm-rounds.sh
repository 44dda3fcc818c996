#!/usr/bin/env bash
# The sgemm targets alone, in paired rounds, in a few minutes: for 1024² and 2048² on 1 and 2 threads, OpenBLAS
# (numpy, SkylakeX kernels on AVX-512 CPUs, Haswell on AVX2) and right after it the cpu engine of each named
# benchmarks jar (JMH SgemmBenchmark, one fork: warm-up 4 × 1 s, measured 5 × 0.4 s, the suite's quick settings).
# Each line gives the fastest and the median iteration in GFLOP/s and the load average before the pair; the
# summary gives, per jar and product, the median of the per-round ratios of the fastest iterations (as
# docs/BENCHMARKS.md's paired rounds do). Comparing two builds of the engine in the same minutes:
#
#   benchmarks/sgemm-rounds.sh 5 before=/tmp/before/benchmarks.jar after=benchmarks/target/benchmarks.jar
#   benchmarks/sgemm-rounds.sh 5 kc192=benchmarks/target/benchmarks.jar@-Ddelta4j.cpu.gemm.kc=192
#
# (a jar after @ gets JVM options, space-separated: the engine's GEMM overrides or -XX:MaxVectorSize=32,
# engine-cpu/README.md, Per-CPU choices).
# Default: 3 rounds of benchmarks/target/benchmarks.jar (build it with mvn -o -q package -pl benchmarks -am -DskipTests).
# On a machine shared with other work, DELTA4J_BENCH_NICE=-10 (as root) runs both sides ahead of it (scripts/priority.sh).
# DELTA4J_SGEMM_SIZES (default "1024 2048") and DELTA4J_SGEMM_THREADS (default "1 2") narrow the products, e.g. to
# compare blockings on one thread alone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh && delta4j_select_jdk
. scripts/priority.sh && delta4j_bench_priority "${DELTA4J_BENCH_NICE:-}"
rounds=${1:-3}; shift || true
[ $# -gt 0 ] || set -- cpu=benchmarks/target/benchmarks.jar
coretype=$(grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo SkylakeX || echo Haswell)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')); OpenBLAS core type $coretype; $(date -u '+%F %H:%M UTC')"
openblas() { # n threads -> "fastest median"
  OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$2 OPENBLAS_CORETYPE=$coretype /usr/bin/python3 - "$1" <<'PY'
import numpy as np, sys, time
n = int(sys.argv[1]); rng = np.random.default_rng(1)
a = rng.uniform(-1, 1, (n, n)).astype(np.float32); b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
c = np.empty((n, n), np.float32)
def iteration(sec):
    t0 = time.perf_counter(); k = 0
    while True:
        np.matmul(a, b, out=c); k += 1
        t = time.perf_counter() - t0
        if t >= sec: return t / k
for _ in range(4): iteration(1.0)
xs = sorted(iteration(0.4) for _ in range(5))
print(f"{2.0 * n**3 / xs[0] / 1e9:.1f} {2.0 * n**3 / xs[2] / 1e9:.1f}")
PY
}
engine() { # jar[@jvm options] n threads label -> "fastest median"
  local jar=${1%%@*} extra=()
  # JMH's -jvmArgsAppend replaces SgemmBenchmark's @Fork(jvmArgsAppend), so it repeats those (ForkArgs).
  [[ $1 == *@* ]] && extra=(-jvmArgsAppend "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx3g -XX:+UseTransparentHugePages ${1#*@}")
  java -jar "$jar" SgemmBenchmark -p engine=cpu -p threads="$3" -p shape="nn:$2x$2x$2" "${extra[@]}" \
      -f 1 -wi 4 -w 1s -i 5 -r 400ms -rf json -rff "$out/$4.json" >"$out/$4.log" 2>&1
  python3 - "$2" "$out/$4.json" <<'PY'
import json, sys
n = int(sys.argv[1]); raw = sorted(x for f in json.load(open(sys.argv[2]))[0]["primaryMetric"]["rawData"] for x in f)
print(f"{2.0 * n**3 / raw[0] / 1e6:.1f} {2.0 * n**3 / raw[len(raw) // 2] / 1e6:.1f}")
PY
}
for r in $(seq 1 "$rounds"); do
  for n in ${DELTA4J_SGEMM_SIZES:-1024 2048}; do
    for t in ${DELTA4J_SGEMM_THREADS:-1 2}; do
      line="round $r ${n}² ${t}t load $(cut -d' ' -f1-3 /proc/loadavg): openblas $(openblas $n $t)"
      for spec in "$@"; do line+="; ${spec%%=*} $(engine "${spec#*=}" $n $t "${spec%%=*}")"; done
      echo "$line" | tee -a "$out/lines"
    done
  done
done
python3 - "$out/lines" <<'PY'
import re, sys, statistics
ratios = {}
for line in open(sys.argv[1]):
    head, rest = line.split(":", 1)
    key = " ".join(head.split()[2:4])
    parts = [p.split() for p in rest.strip().split("; ")]
    blas = float(parts[0][1])
    for p in parts[1:]:
        ratios.setdefault((p[0], key), []).append(float(p[1]) / blas)
print("median of the per-round ratios (fastest iterations) to OpenBLAS:")
for (label, key), rs in ratios.items():
    print(f"  {label} {key}: {statistics.median(rs):.2f}x ({', '.join(f'{x:.2f}' for x in rs)})")
PY
