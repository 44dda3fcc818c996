#!/usr/bin/env bash
# Both GPU jobs in one call of a lent GPU machine, whose minutes are scarce: the OpenCL GPU check
# (gpu/check.sh) and the JMH GPU suite (benchmarks/gpu-device.sh). Prepare here, in this order:
#
#   bash gpu/prepare.sh && bash benchmarks/gpu-prepare.sh
#
# then carry .gpu/bench .gpu/lib .gpu/ocl .gpu/opencl-probe.sh benchmarks/target/benchmarks.jar (about 60 MiB:
# .gpu/jdk stays behind, the benchmark runtime holds every module the check needs) and run, from the repository root:
#
#   bash gpu/device-run.sh
#
# Everything comes back as one file, $OUT/gpu.tgz (check/ as gpu/check.sh writes it, gpu-results/ as
# benchmarks/gpu-device.sh does); copy check/results.{md,json} and check.log to docs/gpu/ and gpu-results/ to
# benchmarks/gpu-results/, then run `benchmarks/run.sh report`.
set -u
out=${OUT:-gpu-out}
mkdir -p "$out"
res=$(mktemp -d)
[ -d .gpu/bench/jre ] || { echo "no .gpu/bench/jre: run benchmarks/gpu-prepare.sh and carry .gpu/bench"; exit 2; }
[ -e .gpu/jdk ] || ln -s bench/jre .gpu/jdk
[ -f .gpu/opencl-probe.sh ] || cp .gpu/bench/opencl-probe.sh .gpu/opencl-probe.sh
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
TOTAL_S=${CHECK_S:-280} bash gpu/check.sh .gpu "$res/check" 2>&1 | tail -40
GPU_RUN_S=${BENCH_S:-230} OUT=$res bash benchmarks/gpu-device.sh 2>&1 | tail -30
tar czf "$out/gpu.tgz" -C "$res" .
cat "$res/check/results.md" 2>/dev/null
