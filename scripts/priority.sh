# Sourced by benchmarks/run.sh and benchmarks/sgemm-rounds.sh: delta4j_bench_priority NICE runs the rest of the calling
# script (and every process it starts) at priority NICE, e.g. -10, ahead of other work on a shared machine.
#
# `nice` alone does not do it on Linux with scheduler autogroups (kernel.sched_autogroup_enabled = 1, the default of
# most distributions): the CPU is shared fairly between sessions (autogroups) first, and a nice value only ranks the
# processes within one session, so a benchmark at nice -10 still gets only its session's share against another
# session's build. The autogroup's own nice value (/proc/self/autogroup) ranks the sessions; this sets both, and puts
# the autogroup's old value back when the calling script exits (the session may be the user's terminal).
# Raising a priority needs root (CAP_SYS_NICE); without it this says so in one line and the benchmark runs as it is.
delta4j_bench_priority() {
  local n=$1 old
  [ -n "$n" ] || return 0
  if ! renice -n "$n" -p $$ >/dev/null 2>&1; then
    echo "benchmarks: cannot set priority $n (DELTA4J_BENCH_NICE): raising it needs root; running at the default priority" >&2
    return 0
  fi
  if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] && [ -w /proc/self/autogroup ]; then
    old=$(sed -n 's/.* nice \(-\{0,1\}[0-9]*\)$/\1/p' /proc/self/autogroup)
    if echo "$n" >/proc/self/autogroup 2>/dev/null; then
      # shellcheck disable=SC2064  # the old value is meant to be expanded now
      trap "echo '${old:-0}' >/proc/self/autogroup 2>/dev/null || true" EXIT
    else
      echo "benchmarks: cannot set this session's autogroup priority to $n: other sessions' work still gets an equal share" >&2
    fi
  fi
}
