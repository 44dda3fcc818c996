#!/usr/bin/env bash
# The OpenCL engine's GPU check. Run on the GPU machine from the repository root, after gpu/prepare.sh
# ran on a build machine and .gpu/ was carried over:
#
#   bash gpu/check.sh .gpu "$OUT"
#
# It needs no network, JDK or package manager: only bash, coreutils (timeout) and, for the PyTorch peer
# and the report, python3. In order, each step under a timeout and all of them under TOTAL_S seconds:
#   1. opencl-probe.sh: finds NVIDIA's OpenCL library, writes .gpu/ocl/env.sh, runs clinfo, prints a VERDICT
#   2. the conformance kit and the gemm tile tests on the device (JUnit console)
#   3. delta4j.opencl.GpuCheck: gemm tile tuning (cached), SGEMM GFLOP/s, MLP training samples/s
#   4. gpu/torch_peer.py: the same figures from PyTorch fp32 (TF32 off), or "torch: not available"
#   5. gpu/report.py: $OUT/results.md (table with ratios to PyTorch) and $OUT/results.json
# Steps 2-3 run only when the VERDICT says NVIDIA OpenCL works, or when QUICK=1 or ANY_DEVICE=1 (then on
# whatever OpenCL device there is, e.g. PoCL). QUICK=1 shrinks every size, for trying the flow on a CPU.
# $OUT gets six files: results.md, results.json, check.log, conformance.txt, opencl.json, torch.json
# (the device tool brings back at most 8); scratch files go to .gpu/run/.
set -u
gpu=${1:-.gpu}
out=${2:-gpu-out}
QUICK=${QUICK:-0}
ANY_DEVICE=${ANY_DEVICE:-0}
TOTAL_S=${TOTAL_S:-400}
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
step() {
  local name=$1 cap; cap=$(budget "$2"); shift 2
  local t0=$(date +%s)
  echo; echo "=== $name (timeout ${cap}s)"
  timeout -k 10 "$cap" "$@"
  local rc=$?
  local took=$(( $(date +%s) - t0 ))
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "!!! $name timed out after ${cap}s"
  echo "=== $name: exit $rc after ${took}s"
  echo "$name $rc $took" >> "$work/steps.txt"
  return $rc
}

main() {
  rm -f "$work/steps.txt" "$work/probe.txt" "$out/opencl.json" "$out/torch.json" "$out/conformance.txt"
  echo "delta4j GPU check, $(date -u +%FT%TZ), QUICK=$QUICK; $(head -1 "$gpu/PREPARED.txt" 2>/dev/null)"

  step probe 90 bash "$gpu/opencl-probe.sh" run "$gpu/ocl" | tee "$work/probe.txt"
  verdict=$(grep -m1 '^VERDICT' "$work/probe.txt" || echo "VERDICT: probe gave no verdict")
  [ -f "$gpu/ocl/env.sh" ] && . "$gpu/ocl/env.sh"
  echo "$verdict"

  run_opencl=0
  case "$verdict" in
    *"NVIDIA OpenCL works"*) run_opencl=1 ;;
    *"other OpenCL device"*) { [ "$QUICK" = 1 ] || [ "$ANY_DEVICE" = 1 ]; } && run_opencl=1 ;;
  esac

  java=("$gpu/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
        -XX:+IgnoreUnrecognizedVMOptions -Xss4m -Xmx16g)
  cp=$(ls "$gpu"/lib/*.jar | grep -v junit-platform-console-standalone | paste -sd: -)
  console=$(ls "$gpu"/lib/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)

  if [ "$run_opencl" = 1 ]; then
    # The tuning cache goes to the default place (~/.cache/delta4j/opencl-tuning), so later runs reuse it.
    step conformance 110 "${java[@]}" -DDELTA4J_REQUIRE_OPENCL=true -jar "$console" execute \
        --disable-banner --details=tree --class-path "$cp" \
        --select-class delta4j.opencl.OpenClConformanceTest --select-class delta4j.opencl.GemmTilesTest \
        > "$out/conformance.txt" 2>&1
    grep -E 'tests (successful|failed|aborted|skipped|found)|containers failed' "$out/conformance.txt" | sed 's/^/   /'
    grep -m5 -E '✘|MethodSource .* ✘' "$out/conformance.txt" | sed 's/^/   first failures: /'

    if [ "$QUICK" = 1 ]; then
      args=(--sizes 64,128,256 --variants-size 128 --tune-size 128 --mlp 256,256,256,256,64 --batch 128 --steps 4 --seconds 0.05)
    else
      args=(--sizes 1024,2048,4096,8192 --variants-size 4096 --tune-size 4096 --mlp 4096,4096,4096,4096,1024 --batch 2048 --steps 20)
    fi
    step gpucheck 150 "${java[@]}" -cp "$cp" delta4j.opencl.GpuCheck "${args[@]}" --json "$out/opencl.json"
  else
    echo "OpenCL steps skipped: $verdict"
  fi

  if command -v python3 >/dev/null; then
    qa=(); [ "$QUICK" = 1 ] && qa=(--quick)
    step torch 100 python3 -u "$here/torch_peer.py" "${qa[@]}" --json "$out/torch.json"
    step report 15 python3 "$here/report.py" --out "$out" --steps "$work/steps.txt" --verdict "$verdict"
  else
    echo "torch: not available (no python3)"
    { echo "# delta4j GPU check"; echo; echo "$verdict"; echo; echo "python3 is missing: raw results follow"; echo;
      echo '```'; cat "$out/opencl.json" 2>/dev/null; echo '```'; } > "$out/results.md"
  fi
  echo; echo "total $(( $(date +%s) - start ))s; results in $out"
}

main 2>&1 | tee "$out/check.log"
exit 0
