#!/usr/bin/env bash
# Runs delta4j's benchmark suite and writes its report.
#
#   benchmarks/run.sh quick   # under 10 minutes on 2 cores: docs/BENCHMARKS.md and docs/charts/*.png
#   benchmarks/run.sh full    # longer runs, more shapes, the 784-512-512-10 network, Deeplearning4j
#   benchmarks/run.sh smoke   # every benchmark once, tiny iterations; exits non-zero if any produced no result
#
# Steps: select a JDK 25+ (scripts/jdk.sh), build benchmarks.jar, write the plan, run the Python peers
# (OpenBLAS through numpy, PyTorch CPU; Debian's /usr/bin/python3), run JMH job by job, check that every
# planned benchmark produced a result, and generate the report. Raw results: benchmarks/results/<profile>/.
# Set DELTA4J_DL4J=1 to include the Deeplearning4j peer in a quick run (the full profile always tries it).
set -euo pipefail

profile=${1:-quick}
case "$profile" in
  quick|full|smoke) ;;
  *) echo "usage: benchmarks/run.sh [quick|full|smoke]  (unknown profile '$profile')" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/jdk.sh
delta4j_select_jdk
command -v mvn >/dev/null || { echo "Maven (mvn) is needed to build the benchmarks: apt-get install maven" >&2; exit 1; }
echo "benchmarks: $profile profile, JDK at $JAVA_HOME"

results="benchmarks/results/$profile"
rm -rf "$results"
mkdir -p "$results"
started=$(date +%s)

# ---- build (with the Deeplearning4j peer when asked for and resolvable)
want_dl4j=0
if [ "$profile" = full ] || [ "${DELTA4J_DL4J:-0}" = 1 ]; then want_dl4j=1; fi
built=0
# With and without -Pdl4j the module compiles differently (class path or module): never reuse the other's classes.
rm -rf benchmarks/target
if [ "$want_dl4j" = 1 ]; then
  echo "benchmarks: building with the Deeplearning4j peer (-Pdl4j)"
  if mvn -B -q -ntp -pl benchmarks -am -Pdl4j package -DskipTests >"$results/dl4j-build.log" 2>&1; then
    built=1
  else
    rm -rf benchmarks/target
    echo "not run: building with -Pdl4j failed (see benchmarks/results/$profile/dl4j-build.log): $(grep -m1 -E 'ERROR' "$results/dl4j-build.log" | cut -c1-300)" >"$results/dl4j.txt"
    cat "$results/dl4j.txt" >&2
  fi
fi
if [ "$built" = 0 ]; then
  mvn -B -q -ntp -pl benchmarks -am package -DskipTests
fi
jar=benchmarks/target/benchmarks.jar
java_cmd=(java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true
          -Ddelta4j.command="benchmarks/run.sh $profile" -cp "$jar")

# ---- plan, then the peers (same shapes and thread counts)
"${java_cmd[@]}" delta4j.benchmarks.Suite plan "$profile" "$results/plan.json" 2>/dev/null
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 benchmarks/peers/peers.py --plan "$results/plan.json" --out "$results/peers.json" \
    || echo "benchmarks: the peer script failed; the report lists what is missing" >&2
else
  cat >"$results/peers.json" <<JSON
{"results": [], "meta": {}, "unavailable": [
 {"impl": "openblas", "reason": "/usr/bin/python3 is missing: apt-get install python3 python3-numpy python3-threadpoolctl"},
 {"impl": "pytorch", "reason": "/usr/bin/python3 is missing: apt-get install python3 python3-torch"}]}
JSON
fi

# ---- JMH
run_ok=1
"${java_cmd[@]}" delta4j.benchmarks.Suite run "$profile" "$results" 2>&1 | tee "$results/jmh.log" || run_ok=0
check_ok=1
"${java_cmd[@]}" delta4j.benchmarks.Suite check "$results" 2>/dev/null || check_ok=0

# ---- report (the smoke run's stays with its results)
if [ "$profile" = smoke ]; then
  out="$results/BENCHMARKS.md"; charts="$results/charts"
else
  out=docs/BENCHMARKS.md; charts=docs/charts
fi
"${java_cmd[@]}" delta4j.benchmarks.report.Report --results "$results" --out "$out" --charts "$charts" 2>/dev/null
echo "benchmarks: $profile profile done in $(( $(date +%s) - started )) s; report: $out"

if [ "$check_ok" = 0 ] || [ "$run_ok" = 0 ]; then
  echo "benchmarks: some planned benchmarks produced no result (see above and $results/jmh.log)" >&2
  exit 1
fi
