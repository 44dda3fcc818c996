#!/usr/bin/env bash
# Runs delta4j's benchmark suite and writes its report.
#
#   benchmarks/run.sh quick   # about 15 minutes on 2 cores: docs/BENCHMARKS.md and docs/charts/*.png
#   benchmarks/run.sh full    # longer runs, more shapes, the 784-512-512-10 network, Deeplearning4j
#   benchmarks/run.sh smoke   # every benchmark once, tiny iterations; exits non-zero if any produced no result
#   benchmarks/run.sh gpu     # the opencl engine alone, on a machine with an OpenCL GPU: writes benchmarks/gpu-results/,
#                             # which later reports include (commit it); uses a prebuilt jar when Maven is absent
#   benchmarks/run.sh report  # regenerates docs/BENCHMARKS.md and the charts from the committed results alone:
#                             # benchmarks/reported/ (the run behind the report) and benchmarks/gpu-results/
#
# Steps: select a JDK 25+ (scripts/jdk.sh), build benchmarks.jar, write the plan, run the Python peers
# (OpenBLAS through numpy, PyTorch CPU; Debian's /usr/bin/python3), run JMH job by job, then the paired rounds
# (each target's peer right before the delta4j measurement it is compared with; Suite's Javadoc), check that every
# planned benchmark produced a result, and generate the report. Raw results: benchmarks/results/<profile>/.
# Deeplearning4j (Maven profile dl4j): the full profile always builds it; the quick profile when it resolves from the
# local Maven repository. DELTA4J_DL4J=1 forces it, DELTA4J_DL4J=0 leaves it out.
set -euo pipefail

profile=${1:-quick}
case "$profile" in
  quick|full|smoke|gpu|report) ;;
  *) echo "usage: benchmarks/run.sh [quick|full|smoke|gpu|report]  (unknown profile '$profile')" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/jdk.sh
jar=benchmarks/target/benchmarks.jar
started=$(date +%s)

if [ "$profile" = gpu ]; then
  # A GPU machine may have only a Java runtime and a prebuilt jar (benchmarks/gpu-prepare.sh): build only without one.
  if [ ! -f "$jar" ] && delta4j_select_jdk 2>/dev/null && command -v mvn >/dev/null; then
    rm -rf benchmarks/target
    mvn -B -q -ntp -pl benchmarks -am package -DskipTests
  fi
  [ -f "$jar" ] || { echo "no $jar: build it (mvn -pl benchmarks -am package) where Maven is, then run again" >&2; exit 1; }
  java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  delta4j_signal_chaining "$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")"
  results=benchmarks/gpu-results
  rm -rf "$results"
  mkdir -p "$results"
  "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Ddelta4j.command="benchmarks/run.sh gpu" \
    -cp "$jar" delta4j.benchmarks.Suite run gpu "$results" 2>&1 | tee "$results/jmh.log"
  rm -f "$results/jmh.log"
  "$java" -cp "$jar" delta4j.benchmarks.Suite check "$results"
  echo "benchmarks: gpu profile done in $(( $(date +%s) - started )) s; results in $results (commit them; the next quick/full report includes them)"
  exit 0
fi

delta4j_select_jdk
delta4j_signal_chaining   # the opencl benchmarks' JMH forks inherit it (scripts/jdk.sh says why)
command -v mvn >/dev/null || { echo "Maven (mvn) is needed to build the benchmarks: apt-get install maven" >&2; exit 1; }
echo "benchmarks: $profile profile, JDK at $JAVA_HOME"

report_cmd=(delta4j.benchmarks.report.Report --out docs/BENCHMARKS.md --charts docs/charts --gpu-results benchmarks/gpu-results
            --analysis benchmarks/ANALYSIS.md --prediction benchmarks/PREDICTION.md --notes benchmarks/NOTES.md)
if [ "$profile" = report ]; then
  [ -f benchmarks/reported/suite.json ] || { echo "no benchmarks/reported/: run benchmarks/run.sh quick (or full) first" >&2; exit 1; }
  [ -f "$jar" ] || mvn -B -q -ntp -pl benchmarks -am package -DskipTests
  java -Djava.awt.headless=true -cp "$jar" "${report_cmd[@]}" --results benchmarks/reported
  exit 0
fi

results="benchmarks/results/$profile"
rm -rf "$results"
mkdir -p "$results"

# ---- build (with the Deeplearning4j peer when asked for, or in the quick profile when it resolves offline)
# DELTA4J_DL4J=1 forces it (downloading ~130 MB of ND4J natives once), DELTA4J_DL4J=0 leaves it out.
dl4j_mode=none
case "$profile/${DELTA4J_DL4J:-}" in
  */0|smoke/) dl4j_mode=none ;;
  full/*|*/1) dl4j_mode=online ;;
  quick/) dl4j_mode=offline ;;
esac
built=0
# With and without -Pdl4j the module compiles differently (class path or module): never reuse the other's classes.
rm -rf benchmarks/target
if [ "$dl4j_mode" != none ]; then
  offline=(); [ "$dl4j_mode" = offline ] && offline=(-o)
  echo "benchmarks: building with the Deeplearning4j peer (-Pdl4j${offline:+, offline})"
  if mvn -B -q -ntp "${offline[@]}" -pl benchmarks -am -Pdl4j package -DskipTests >"$results/dl4j-build.log" 2>&1; then
    built=1
  else
    rm -rf benchmarks/target
    if [ "$dl4j_mode" = offline ]; then
      echo "not run: the quick profile runs Deeplearning4j only when -Pdl4j resolves from the local Maven repository, and it does not; run 'DELTA4J_DL4J=1 benchmarks/run.sh quick' (downloads ND4J's natives) or the full profile" >"$results/dl4j.txt"
    else
      echo "not run: building with -Pdl4j failed (see benchmarks/results/$profile/dl4j-build.log): $(grep -m1 -E 'ERROR' "$results/dl4j-build.log" | cut -c1-300)" >"$results/dl4j.txt"
    fi
    cat "$results/dl4j.txt" >&2
  fi
fi
if [ "$built" = 0 ]; then
  mvn -B -q -ntp -pl benchmarks -am package -DskipTests
fi
command_line="benchmarks/run.sh $profile"
[ -n "${DELTA4J_BENCH_NICE:-}" ] && command_line="DELTA4J_BENCH_NICE=$DELTA4J_BENCH_NICE $command_line"
java_cmd=(java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true
          -Ddelta4j.command="$command_line" -cp "$jar")

# On a machine shared with other work, DELTA4J_BENCH_NICE (e.g. -10, as root) raises the priority of everything this
# script starts from here on (the peers, the JMH forks, the cold-start commands) above the other sessions' work, so
# that their load skews the timings less (scripts/priority.sh says how); the report records the setting.
if [ -n "${DELTA4J_BENCH_NICE:-}" ]; then
  . scripts/priority.sh
  delta4j_bench_priority "$DELTA4J_BENCH_NICE"
  java_cmd+=(-Ddelta4j.nice="$DELTA4J_BENCH_NICE")
fi

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
# ND4J (the Deeplearning4j peer) uses OpenMP: idle workers must sleep, not spin against the other threads.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
run_ok=1
"${java_cmd[@]}" delta4j.benchmarks.Suite run "$profile" "$results" 2>&1 | tee "$results/jmh.log" || run_ok=0
check_ok=1
"${java_cmd[@]}" delta4j.benchmarks.Suite check "$results" 2>/dev/null || check_ok=0

# ---- cold start: the whole `./delta4j train` command against PyTorch's whole script (benchmarks/cold/cold_start.py),
# about 2 minutes on 2 cores; in the quick and full profiles, or wherever DELTA4J_COLD=1 (DELTA4J_COLD=0 leaves it out).
case "$profile/${DELTA4J_COLD:-}" in
  */0|smoke/) ;;
  *)
    if [ -x /usr/bin/python3 ]; then
      /usr/bin/python3 benchmarks/cold/cold_start.py --out "$results/cold.json" --rounds "$([ "$profile" = full ] && echo 3 || echo 2)" \
        || echo "benchmarks: the cold-start script failed; the report leaves its rows out" >&2
    fi ;;
esac

# ---- report (the smoke run's stays with its results); the data behind docs/BENCHMARKS.md is kept in
# benchmarks/reported/ so that `run.sh report` can redraw it, e.g. after a GPU run.
if [ "$profile" = smoke ]; then
  out="$results/BENCHMARKS.md"
  "${java_cmd[@]}" delta4j.benchmarks.report.Report --results "$results" --out "$out" --charts "$results/charts" 2>/dev/null
else
  out=docs/BENCHMARKS.md
  # prediction/ holds benchmarks/PREDICTION.md's raw data, measured apart from this run: it stays.
  mkdir -p benchmarks/reported
  find benchmarks/reported -mindepth 1 -maxdepth 1 ! -name prediction -exec rm -rf {} +
  cp "$results"/jmh-*.json "$results"/suite.json benchmarks/reported/
  for f in peers.json plan.json dl4j.txt cold.json; do
    if [ -f "$results/$f" ]; then cp "$results/$f" benchmarks/reported/; fi
  done
  if [ -d "$results/rounds" ]; then cp -r "$results/rounds" benchmarks/reported/; fi
  "${java_cmd[@]}" "${report_cmd[@]}" --results benchmarks/reported 2>/dev/null
fi
echo "benchmarks: $profile profile done in $(( $(date +%s) - started )) s; report: $out"

if [ "$check_ok" = 0 ] || [ "$run_ok" = 0 ]; then
  echo "benchmarks: some planned benchmarks produced no result (see above and $results/jmh.log)" >&2
  exit 1
fi
