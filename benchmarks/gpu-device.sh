#!/usr/bin/env bash
# Runs on the GPU machine (the device tool), from the repository root, after benchmarks/gpu-prepare.sh ran on the
# build machine and `.gpu/bench` and `benchmarks/target/benchmarks.jar` were carried over:
#
#   bash benchmarks/gpu-device.sh            (device tool: carry [".gpu/bench", "benchmarks/target/benchmarks.jar"])
#
# It finds the OpenCL library (opencl-probe.sh), runs `benchmarks/run.sh gpu` under a time limit, and copies
# benchmarks/gpu-results/ and the log to $OUT/gpu-results/. Back on the build machine, copy those files into
# benchmarks/gpu-results/, commit them, and run `benchmarks/run.sh report` to merge them into docs/BENCHMARKS.md.
set -u
out=${OUT:-gpu-out}
mkdir -p "$out/gpu-results"
command -v nvidia-smi >/dev/null && nvidia-smi -L
bash .gpu/bench/opencl-probe.sh run .gpu/bench/ocl >"$out/gpu-results/probe.txt" 2>&1
grep -m1 VERDICT "$out/gpu-results/probe.txt"
[ -f .gpu/bench/ocl/env.sh ] && . .gpu/bench/ocl/env.sh
export JAVA_HOME=$PWD/.gpu/bench/jre
chmod +x "$JAVA_HOME"/bin/* "$JAVA_HOME"/lib/jspawnhelper 2>/dev/null
timeout -k 10 "${GPU_RUN_S:-470}" bash benchmarks/run.sh gpu >"$out/gpu-results/run.log" 2>&1
echo "run.sh gpu: exit $?"
cp benchmarks/gpu-results/*.json "$out/gpu-results/" 2>/dev/null
grep -E "^(Sgemm|Forward|Backward|TrainingStep|Epoch)Benchmark\.[a-zA-Z]+ " "$out/gpu-results/run.log"
ls "$out/gpu-results"
