#!/usr/bin/env bash
# Prepares .gpu/bench/ (git-ignored) for `benchmarks/run.sh gpu` on a GPU machine that has no JDK, Maven or
# network. Run it here, on a build machine with a JDK 25, Maven and apt:
#
#   bash benchmarks/gpu-prepare.sh
#
# Then carry `.gpu/bench` and `benchmarks/target/benchmarks.jar` to the GPU machine and run, from the repository root:
#
#   bash .gpu/bench/opencl-probe.sh run .gpu/bench/ocl && . .gpu/bench/ocl/env.sh
#   JAVA_HOME=$PWD/.gpu/bench/jre benchmarks/run.sh gpu
#
# and commit the benchmarks/gpu-results/ it writes: every later quick or full report includes it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu/bench
probe=${OPENCL_PROBE:-/work/shared/gpu/opencl-probe.sh}
. scripts/jdk.sh
delta4j_select_jdk
rm -rf benchmarks/target "$out"
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
mkdir -p "$out"
# What benchmarks.jar needs to run JMH and the engines (jdeps; java.desktop only serves the report's charts).
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.incubator.vector,java.sql \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$out/jre"
if [ -f "$probe" ]; then
  cp "$probe" "$out/opencl-probe.sh"
  bash "$out/opencl-probe.sh" prepare "$out/ocl"
else
  echo "no OpenCL probe at $probe (set OPENCL_PROBE): the GPU machine must have its own OpenCL ICD loader" >&2
fi
du -sh "$out" benchmarks/target/benchmarks.jar
