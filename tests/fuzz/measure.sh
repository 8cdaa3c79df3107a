#!/usr/bin/env bash
# Fuzzes each target for a budget of CPU time (not wall time: the figure stays comparable on a busy
# machine) and prints one line per target: CPU seconds, executions, executions per CPU-second, crashes,
# crashes per CPU-hour. A target that crashes is restarted on the same working corpus until its budget
# is spent, so every crash counts (the same bug found twice counts twice; "distinct" counts first lines
# of the reports with the numbers blanked out).
#
# Usage: tests/fuzz/measure.sh [CPU seconds per target, default 180] [target... | all]
# Uses the build and the working corpus of run.sh ($FUZZ_BUILD_DIR, default ./build-fuzz-targets) and
# builds the targets through it first. Reproducers go to $FUZZ_BUILD_DIR/crashes/, logs to
# $FUZZ_BUILD_DIR/logs/<target>.measure.<n>.log.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUDGET=${1:-180}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ] || [ "${TARGETS[*]}" = all ]; then
  TARGETS=(resp_parser config aof sentinel_info sentinel_hello)
fi
export FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$PWD/build-fuzz-targets}
# Builds (and smoke-runs for 1 s) the targets; a crash there is counted below anyway.
"$SRC/tests/fuzz/run.sh" 1 "${TARGETS[@]}" >/dev/null
[ $? -eq 2 ] && { echo "fuzz targets could not be built" >&2; exit 2; }
BUILD=$(cd "$FUZZ_BUILD_DIR" && pwd)
TICKS=$(getconf CLK_TCK)

cpu_ticks() {  # utime + stime of one process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

printf "%-15s %8s %12s %10s %8s %9s %16s\n" target cpu_s execs exec/cpu_s crashes distinct crashes/cpu_hour
for t in "${TARGETS[@]}"; do
  used=0 execs=0 crashes=0 n=0
  firsts=()
  while [ "$used" -lt $((BUDGET * TICKS)) ]; do
    n=$((n + 1))
    log="$BUILD/logs/$t.measure.$n.log"
    "$BUILD/${t}_fuzz" -max_total_time=$((BUDGET * 50)) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$BUILD/crashes/$t-" "$BUILD/corpus/$t" "$SRC/tests/fuzz/corpus/$t" >"$log" 2>&1 &
    pid=$!
    ticks=0
    while kill -0 "$pid" 2>/dev/null; do
      now=$(cpu_ticks "$pid")
      [ "$now" -gt 0 ] && ticks=$now
      if [ $((used + ticks)) -ge $((BUDGET * TICKS)) ]; then kill -INT "$pid"; fi
      sleep 0.5
    done
    wait "$pid"
    rc=$?
    used=$((used + ticks))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs=$((execs + ${runs:-0}))
    # 0: time cap, 72: interrupted at the budget; anything else is a crash, leak, timeout or OOM.
    if [ $rc -ne 0 ] && [ $rc -ne 72 ]; then
      crashes=$((crashes + 1))
      firsts+=("$(grep -aE -m1 "invariant failed|ERROR: |runtime error|does not load" "$log")")
    fi
  done
  # Distinct: first lines with the numbers blanked out (pids, values from the input).
  distinct=$(printf "%s\n" "${firsts[@]+"${firsts[@]}"}" | sed '/^$/d' | sed 's/-\{0,1\}[0-9][0-9]*/N/g' | sort -u | wc -l)
  awk -v t="$t" -v u="$used" -v hz="$TICKS" -v e="$execs" -v c="$crashes" -v d="$distinct" 'BEGIN {
    s = u / hz; printf "%-15s %8.1f %12d %10.0f %8d %9d %16.2f\n", t, s, e, (s > 0 ? e / s : 0), c, d,
    (s > 0 ? c * 3600 / s : 0) }'
done
