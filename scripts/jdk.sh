# Sourced by ./delta4j, ./run-tests and .ci/run: selects a JDK 25 or newer without the user setting JAVA_HOME.
# Order: $JAVA_HOME if new enough, then the JDKs under /usr/lib/jvm (newest first), then `java` on PATH.
# On success JAVA_HOME is exported and $JAVA_HOME/bin leads PATH; otherwise it explains and returns 1.

delta4j_java_feature() { # prints the feature release of the JDK in $1 (e.g. 25), or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

delta4j_select_jdk() {
  local min=25 cand v
  for cand in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV) \
              "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$cand" ] || continue
    cand=${cand%/}
    v=$(delta4j_java_feature "$cand")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then
      export JAVA_HOME="$cand"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<MSG
delta4j needs a JDK $min or newer (with javac), and none was found.
Looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm/*, and javac on PATH.
Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or unpack any JDK $min+ and set JAVA_HOME to it.
MSG
  return 1
}
