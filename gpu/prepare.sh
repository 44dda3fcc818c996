#!/usr/bin/env bash
# Prepares .gpu/ (git-ignored, at the repository root) for gpu/check.sh on a GPU machine that has no JDK,
# no network and no package registry. Run it here, on a build machine with a JDK 25, Maven and apt:
#
#   bash gpu/prepare.sh
#
# .gpu/ then holds (about 50 MiB; carry it with the device tool's `carry: [".gpu"]`):
#   jdk/       a jlink'd JDK 25 runtime (java.base, jdk.incubator.vector, java.management, jdk.unsupported,
#              java.logging, java.sql for the JUnit console), debug info stripped
#   lib/       delta4j-engine-api (+ its tests: the conformance kit), delta4j-engine-opencl (+ its tests), JOCL,
#              delta4j-gpu-check (GpuCheck, from benchmarks/gpu-check) and Jackson (its JSON),
#              junit-platform-console-standalone
#   ocl/       Debian's ocl-icd-libopencl1 and clinfo, unpacked (opencl-probe.sh prepare)
#   opencl-probe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/.gpu
probe=${OPENCL_PROBE:-/work/shared/gpu/opencl-probe.sh}
junit_console=${JUNIT_CONSOLE_VERSION:-1.14.1}   # the JUnit Platform release that goes with JUnit 5.14.1
modules=java.base,jdk.incubator.vector,java.management,jdk.unsupported,java.logging,java.sql

. scripts/jdk.sh
delta4j_select_jdk
command -v mvn >/dev/null || { echo "prepare.sh needs Maven (mvn)" >&2; exit 1; }
[ -f "$probe" ] || { echo "prepare.sh needs opencl-probe.sh (set OPENCL_PROBE=/path/to/it); not found at $probe" >&2; exit 1; }

echo "== building the jars (JDK at $JAVA_HOME)"
# package, not install: ~/.m2 stays as it is. gpu-check's Jackson jars are copied in the same reactor build, so they
# resolve against the modules just built, not against whatever ~/.m2 holds.
mvn -B -q -ntp -pl benchmarks/gpu-check -am package dependency:copy-dependencies -DskipTests \
    -DincludeGroupIds=com.fasterxml.jackson.core -DoutputDirectory=target/gpu-lib

rm -rf "$out"
mkdir -p "$out/lib"
echo "== collecting jars"
cp engine-api/target/delta4j-engine-api-*-tests.jar "$out/lib/"
cp engine-api/target/delta4j-engine-api-[0-9]*[0-9T].jar "$out/lib/" 2>/dev/null || cp $(ls engine-api/target/delta4j-engine-api-*.jar | grep -v -- -tests) "$out/lib/"
cp $(ls engine-opencl/target/delta4j-engine-opencl-*.jar | grep -Ev -- "-(tests|sources|javadoc)\.jar$") "$out/lib/"
"$JAVA_HOME/bin/jar" --create --file "$out/lib/delta4j-engine-opencl-tests.jar" -C engine-opencl/target/test-classes .
cp benchmarks/gpu-check/target/delta4j-gpu-check-*.jar "$out/lib/"
# GpuCheck writes its results with Jackson (a dependency of gpu-check, at the version the parent pom names).
cp benchmarks/gpu-check/target/gpu-lib/*.jar "$out/lib/"
mvn -B -q -ntp -pl engine-opencl dependency:copy -Dartifact=org.jocl:jocl:2.0.5 -DoutputDirectory="$out/lib"
mvn -B -q -ntp -pl engine-opencl dependency:copy \
    -Dartifact=org.junit.platform:junit-platform-console-standalone:"$junit_console" -DoutputDirectory="$out/lib"

echo "== jlink: $modules"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
    --output "$out/jdk"
find "$out/jdk" -name '*.so' -exec strip --strip-unneeded {} +
"$out/jdk/bin/java" --add-modules jdk.incubator.vector -version 2>&1 | sed 's/^/   /'

echo "== OpenCL loader and clinfo"
cp "$probe" "$out/opencl-probe.sh"
bash "$out/opencl-probe.sh" prepare "$out/ocl"

size=$(du -sm "$out" | cut -f1)
{
  echo "prepared $(date -u +%FT%TZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "jdk: $("$out/jdk/bin/java" -version 2>&1 | head -1)"
  ls -1 "$out/lib"
} > "$out/PREPARED.txt"
echo "== .gpu is ${size} MiB:"; du -sh "$out"/* | sed 's/^/   /'
if [ "$size" -gt 55 ]; then
  echo "warning: .gpu is over 55 MiB; the device tool carries at most 64 MiB in all" >&2
fi
