# Sourced by ./delta4j, ./run-tests and .ci/run: selects a JDK 25 or newer without the user setting JAVA_HOME.
# Order: $JAVA_HOME if new enough, then the JDKs under /usr/lib/jvm (newest first), then `java` on PATH.
# On success JAVA_HOME is exported and $JAVA_HOME/bin leads PATH; otherwise it explains and returns 1.

delta4j_java_feature() { # prints the feature release of the JDK in $1 (e.g. 25), or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  # The image's `release` file says it (JAVA_VERSION="25.0.3", "1.8.0_402" before JDK 9), read in the shell itself:
  # starting that JDK's java to ask would cost a JVM start at every ./delta4j command. Only a JDK without the file is
  # started.
  local line v
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=*)
          v=${line#JAVA_VERSION=}; v=${v//\"/}; v=${v#1.}; v=${v%%[!0-9]*}
          break ;;
      esac
    done < "$1/release"
    if [ -n "$v" ]; then
      echo "$v"
      return 0
    fi
  fi
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

# Signal chaining for OpenCL implementations built on LLVM (PoCL; docs/RELIABILITY.md, "OpenCL kernel builds").
# LLVM installs handlers for SIGSEGV and other signals that delete the compiler's temporary files; the JVM raises
# SIGSEGV itself at every safepoint poll and implicit null check, so without chaining a kernel build in a busy JVM
# loses its temporary file and fails. With the JDK's libjsig preloaded the JVM keeps its own handlers and passes
# on only signals that are not its own. $1 is the JDK or runtime image (default $JAVA_HOME).
delta4j_signal_chaining() {
  local jsig="${1:-${JAVA_HOME:-}}/lib/libjsig.so"
  [ -f "$jsig" ] || return 0
  case ":${LD_PRELOAD:-}:" in *":$jsig:"*) return 0 ;; esac
  export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$jsig"
}
