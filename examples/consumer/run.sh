#!/usr/bin/env bash
# Builds this consumer project against the installed delta4j artifacts and runs it twice, as README's Java
# section describes: on the class path (with --add-modules jdk.incubator.vector) and on the module path (with
# no flag). Install the artifacts first: `mvn install -DskipTests` in the repository root.
#   examples/consumer/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/jdk.sh"
delta4j_select_jdk
cd "$here"
mvn -B -q -ntp package
app=target/classes
lib=target/lib
cp="$app:$(ls "$lib"/*.jar | paste -sd: -)"

echo "== class path (java --add-modules jdk.incubator.vector -cp ...)"
java --add-modules jdk.incubator.vector -cp "$cp" com.example.consumer.Main

echo "== module path (java -p ... -m com.example.consumer/com.example.consumer.Main, no flag)"
java -p "$app:$lib" -m com.example.consumer/com.example.consumer.Main

echo "consumer example: both runs passed"
