#!/usr/bin/env bash
# Fashion-MNIST (784-256-128-10) through delta4j's MlpClassifier on Spark, next to Spark MLlib's
# MultilayerPerceptronClassifier on the same data and cores; writes the cli's metrics JSON plus a "peer" object.
#
#   spark/example.sh --master 'local[2]' --mode sync|average --metrics-json FILE
#                    [--epochs 10] [--batch-size 128] [--data /usr/share/datasets/fashion-mnist]
#                    [--peer-max-iter N (MLlib's default: 100)] [--train-rows N (all 60000)]
#
# Builds the spark module (and what it needs) with Maven, then runs delta4j.spark.example.FashionMnist (spark module,
# test sources) on the spark module's test class path, which holds Spark and MLlib, with the JVM flags of
# docs/DISTRIBUTED.md. Needs what the README needs: a JDK 25 and Maven.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/jdk.sh
delta4j_select_jdk
delta4j_signal_chaining

build=(-B -ntp -q -pl spark -am test-compile dependency:build-classpath
       -Dmdep.outputFile=target/example.classpath -Dmdep.includeScope=test)
mvn -o "${build[@]}" >/dev/null 2>&1 || mvn "${build[@]}"

jvm_flags() { # the module's surefire flags: delta4j's and Spark's, read from the poms (one source)
  sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$2"
}
flags="$(jvm_flags delta4j.jvm.args pom.xml) $(jvm_flags spark.jvm.args spark/pom.xml)"
cp="spark/target/test-classes:spark/target/classes:$(cat spark/target/example.classpath)"
# shellcheck disable=SC2086 # the flags are words
exec java $flags -Xss4m -Xmx${DELTA4J_EXAMPLE_HEAP:-6g} -cp "$cp" delta4j.spark.example.FashionMnist "$@"
