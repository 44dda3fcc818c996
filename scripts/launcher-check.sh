#!/usr/bin/env bash
# Checks the ./delta4j launcher's class archive on a built tree (.ci/run calls it after the tests): recorded once per
# build, used by later commands, recorded again when the jar changes, and never a word on a command's output, whether
# the archive is used, stale or damaged.
#   scripts/launcher-check.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/jdk.sh
delta4j_select_jdk

jar=cli/target/delta4j-cli.jar
[ -f "$jar" ] || { echo "launcher-check: $jar is missing: build first (./run-tests or mvn install)" >&2; exit 1; }
archive="cli/target/delta4j-cli-$(cksum < "$JAVA_HOME/release" | cut -d' ' -f1).jsa"
work="$(mktemp -d "${TMPDIR:-/tmp}/delta4j-launcher-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
expected="$(./delta4j --version 2>/dev/null)"
fail() { echo "launcher-check: $*" >&2; exit 1; }

# A command with the archive missing records it first, says so on stderr once, and prints nothing else there.
rm -f "$archive"
./delta4j --version > "$work/out" 2> "$work/err"
[ "$(cat "$work/out")" = "$expected" ] || fail "--version printed '$(cat "$work/out")' while recording"
[ "$(cat "$work/err")" = "delta4j: recording the class archive (once per build: a few seconds)..." ] \
  || fail "stderr while recording: $(cat "$work/err")"
[ -s "$archive" ] || fail "no archive at $archive after recording"
ls cli/target/*.tmp >/dev/null 2>&1 && fail "a temporary archive was left in cli/target"

# The next command maps it: the launcher's classes come from the archive, and stderr stays empty.
DELTA4J_JAVA_OPTS="-Xlog:class+load:file=$work/classes" ./delta4j --version > "$work/out" 2> "$work/err"
[ "$(cat "$work/out")" = "$expected" ] && [ ! -s "$work/err" ] || fail "output with the archive: $(cat "$work/out" "$work/err")"
grep -q "delta4j.cli.Main source: shared objects file" "$work/classes" || fail "delta4j.cli.Main was not loaded from the archive"

# A damaged archive is ignored without a word; the command runs as without one.
printf 'not an archive' > "$archive"
./delta4j --version > "$work/out" 2> "$work/err"
[ "$(cat "$work/out")" = "$expected" ] && [ ! -s "$work/err" ] || fail "output with a damaged archive: $(cat "$work/out" "$work/err")"

# A jar newer than the archive (a new build) has it recorded again.
touch "$jar"
./delta4j --version > "$work/out" 2> "$work/err"
grep -q "recording the class archive" "$work/err" || fail "a newer jar did not have the archive recorded again"
[ "$(wc -c < "$archive")" -gt 1000000 ] || fail "the archive recorded again is $(wc -c < "$archive") bytes"

# The README's Fashion-MNIST command's kind of work, with the archive: a training run whose output has no CDS word.
./delta4j demo --epochs 2 > "$work/out" 2> "$work/err"
grep -qi "cds\|shared archive" "$work/out" "$work/err" && fail "a CDS message reached the demo's output"
echo "launcher-check: the class archive is recorded, used, ignored when damaged and recorded again for a new jar"
