#!/usr/bin/env bash
# The OpenCL engine's GPU check. Run on the GPU machine from the repository root, after gpu/prepare.sh
# ran on a build machine and .gpu/ was carried over:
#
#   bash gpu/check.sh .gpu "$OUT"
#
# It needs no network, JDK or package manager: only bash, coreutils (timeout) and, for the PyTorch peer
# and the report, python3. In order, each step under a timeout and all of them under TOTAL_S seconds:
#   1. opencl-probe.sh: finds NVIDIA's OpenCL library, writes .gpu/ocl/env.sh, runs clinfo, prints a VERDICT
#   2. delta4j.gpucheck.GpuCheck (benchmarks/gpu-check), at each of PRECISIONS (default fp32,tf32,bf16): gemm
#      tile tuning (cached; at tf32 and bf16 the tensor-core tiles), SGEMM GFLOP/s at 1024^3..8192^3 and the
#      NT/TN/TT variants at 4096^3, and the large MLP (4096-4096-4096-4096-1024, batch 2048, MSE) with SGD and
#      with Adam: samples/s and the loss of each of its STEPS steps (default 200); once, the mini-batch gather of
#      shuffled rows from a Fashion-MNIST-sized set kept as floats and as bytes (128 and 2048 rows a batch)
#   3. gpu/torch_peer.py: the same figures from PyTorch at the same precisions (fp32 with TF32 off, TF32 matmul
#      allowed, bf16 matmul and autocast(bfloat16) training), or "torch: not available"
#   4. on the device, with JUnit's console: the conformance kit at every precision, the gemm tile tests, and the
#      tensor-core kernel tests (MmaKernelTest: emulated and, on compute capability 8.0+, the real PTX)
#   5. gpu/report.py: $OUT/results.md (table with ratios to PyTorch, targets, loss-curve deviations) and
#      $OUT/results.json
# Steps 2 and 4 run only when the VERDICT says NVIDIA OpenCL works, or when QUICK=1 or ANY_DEVICE=1 (then on
# whatever OpenCL device there is, e.g. PoCL). QUICK=1 shrinks every size, for trying the flow on a CPU.
# $OUT gets six files: results.md, results.json, check.log, conformance.txt, opencl.json, torch.json
# (the device tool brings back at most 8); scratch files go to .gpu/run/.
set -u
gpu=${1:-.gpu}
out=${2:-gpu-out}
QUICK=${QUICK:-0}
ANY_DEVICE=${ANY_DEVICE:-0}
TOTAL_S=${TOTAL_S:-540}
PRECISIONS=${PRECISIONS:-fp32,tf32,bf16}
STEPS=${STEPS:-200}
start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -d "$gpu" ] || { echo "no $gpu folder: run gpu/prepare.sh on a build machine and carry .gpu over" | tee "$out/check.log"; exit 2; }
gpu=$(cd "$gpu" && pwd)
work=$gpu/run
mkdir -p "$work"
# In case a copy lost the executable bits.
chmod +x "$gpu"/jdk/bin/* "$gpu"/jdk/lib/jspawnhelper "$gpu"/ocl/root/usr/bin/* 2>/dev/null

# Seconds left for a step: its own cap, or what remains of TOTAL_S (minus a reserve for the report).
budget() {
  local cap=$1 left=$(( TOTAL_S - ($(date +%s) - start) - 15 ))
  [ "$left" -lt "$cap" ] && cap=$left
  [ "$cap" -lt 5 ] && cap=5
  echo "$cap"
}

# step NAME CAP_SECONDS COMMAND...: runs under a timeout, reports its time and exit status.
# With LOG_TO=FILE set, the command's own output goes to FILE instead of the console.
step() {
  local name=$1 cap; cap=$(budget "$2"); shift 2
  local t0=$(date +%s) rc
  echo; echo "=== $name (timeout ${cap}s)"
  if [ -n "${LOG_TO:-}" ]; then
    timeout -k 10 "$cap" "$@" > "$LOG_TO" 2>&1; rc=$?
  else
    timeout -k 10 "$cap" "$@"; rc=$?
  fi
  local took=$(( $(date +%s) - t0 ))
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then echo "!!! $name timed out after ${cap}s"; fi
  echo "=== $name: exit $rc after ${took}s"
  echo "$name $rc $took" >> "$work/steps.txt"
  return $rc
}

main() {
  rm -f "$work/steps.txt" "$work/probe.txt" "$out/opencl.json" "$out/torch.json" "$out/conformance.txt"
  echo "delta4j GPU check, $(date -u +%FT%TZ), QUICK=$QUICK, PRECISIONS=$PRECISIONS; $(head -1 "$gpu/PREPARED.txt" 2>/dev/null)"

  step probe 90 bash "$gpu/opencl-probe.sh" run "$gpu/ocl" | tee "$work/probe.txt"
  verdict=$(grep -m1 '^VERDICT' "$work/probe.txt" || echo "VERDICT: probe gave no verdict")
  [ -f "$gpu/ocl/env.sh" ] && . "$gpu/ocl/env.sh"
  echo "$verdict"

  run_opencl=0
  case "$verdict" in
    *"NVIDIA OpenCL works"*) run_opencl=1 ;;
    *"other OpenCL device"*) { [ "$QUICK" = 1 ] || [ "$ANY_DEVICE" = 1 ]; } && run_opencl=1 ;;
  esac

  # Signal chaining, as scripts/jdk.sh sets it for the build machine's JVMs: LLVM-based OpenCL compilers
  # otherwise lose temporary files on the JVM's own signals (docs/RELIABILITY.md).
  jsig=()
  [ -f "$gpu/jdk/lib/libjsig.so" ] && jsig=(env "LD_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$gpu/jdk/lib/libjsig.so")
  java=("${jsig[@]}" "$gpu/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
        -XX:+IgnoreUnrecognizedVMOptions -Xss4m -Xmx16g -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8)
  # A QUICK trial keeps its tuning result to itself; a real run caches it in ~/.cache/delta4j/opencl-tuning.
  [ "$QUICK" = 1 ] && java+=(-Ddelta4j.opencl.tuningDir="$work/tuning")
  cp=$(ls "$gpu"/lib/*.jar | grep -v junit-platform-console-standalone | paste -sd: -)
  console=$(ls "$gpu"/lib/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)

  # Order: the figures first (GpuCheck spot-checks every product it times), then the peer, then the
  # full conformance kit with whatever time is left (it then also covers the tiles GpuCheck tuned and cached).
  if [ "$run_opencl" = 1 ]; then
    if [ "$QUICK" = 1 ]; then
      args=(--sizes 64,128,256 --variants-size 128 --tune-size 128 --mlp 256,256,256,256,64 --batch 128 --steps 4 --seconds 0.05 --gather-rows 128)
    else
      args=(--sizes 1024,2048,4096,8192 --variants-size 4096 --tune-size 4096 --mlp 4096,4096,4096,4096,1024 --batch 2048 --steps "$STEPS" --gather-rows 128,2048)
    fi
    step gpucheck 240 "${java[@]}" -cp "$cp" delta4j.gpucheck.GpuCheck "${args[@]}" --precisions "$PRECISIONS" \
        --optimizers sgd,adam --json "$out/opencl.json"
  else
    echo "OpenCL steps skipped: $verdict"
  fi

  have_python=0
  command -v python3 >/dev/null && have_python=1
  if [ "$have_python" = 1 ]; then
    qa=(--steps "$STEPS"); [ "$QUICK" = 1 ] && qa=(--quick)
    step torch 150 python3 -u "$here/torch_peer.py" "${qa[@]}" --precisions "$PRECISIONS" --optimizers sgd,adam \
        --json "$out/torch.json"
  else
    echo "torch: not available (no python3)"
  fi

  if [ "$run_opencl" = 1 ]; then
    LOG_TO="$out/conformance.txt" step conformance 200 "${java[@]}" -DDELTA4J_REQUIRE_OPENCL=true -jar "$console" execute \
        --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii --class-path "$cp" \
        --select-class delta4j.opencl.OpenClConformanceTest --select-class delta4j.opencl.MmaKernelTest \
        --select-class delta4j.opencl.GemmTilesTest
    grep -E 'tests (successful|failed|aborted|skipped|found)|containers failed' "$out/conformance.txt" | sed 's/^/   /'
    grep -m8 -F '[X]' "$out/conformance.txt" | sed 's/^/   failed: /'
  fi

  if [ "$have_python" = 1 ]; then
    step report 15 python3 "$here/report.py" --out "$out" --steps "$work/steps.txt" --verdict "$verdict"
  else
    { echo "# delta4j GPU check"; echo; echo "$verdict"; echo; echo "python3 is missing: raw results follow"; echo;
      echo '```'; cat "$out/opencl.json" 2>/dev/null; echo '```'; } > "$out/results.md"
  fi
  echo; echo "total $(( $(date +%s) - start ))s; results in $out"
}

main 2>&1 | tee "$out/check.log"
exit 0
