#!/usr/bin/env bash
# Failover time of our sentinel against real Redis Sentinel, same lab: a redis-server master and two
# replicas, three sentinels (quorum 2, down-after-milliseconds 1000) on loopback. Measures the time from
# SIGKILL of the master until every sentinel reports the promoted replica. Not part of the test command.
# usage: tests/bench/sentinel_failover_time.sh [build-dir] [rounds]
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-3}
SENTINEL_BIN=$(cd "$(dirname "$0")/../.." && pwd)/$BUILD/sentinel/sentinel
[ -x "$SENTINEL_BIN" ] || { echo "no $SENTINEL_BIN (build first)"; exit 1; }
WORK=$(mktemp -d /tmp/sentinel-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
[ "${KEEP:-}" = 1 ] && trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; echo kept $WORK' EXIT
BASE=$((20000 + RANDOM % 20000))

start_redis() {  # port [replicaof-port priority]
  local port=$1 dir=$WORK/r$1
  mkdir -p "$dir"
  local extra=""
  [ $# -gt 1 ] && extra="--replicaof 127.0.0.1 $2 --replica-priority $3"
  # shellcheck disable=SC2086
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --repl-diskless-sync-delay 0 $extra >"$dir/log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}

start_sentinel() {  # kind(ours|redis) port master-port
  local kind=$1 port=$2 mport=$3 dir=$WORK/s$2
  mkdir -p "$dir"
  if [ "$kind" = ours ]; then
    printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\n\n[[monitor]]\nname = "mymaster"\nhost = "127.0.0.1"\nport = %s\nquorum = 2\ndown-after-milliseconds = 1000\nfailover-timeout = 10000\n' \
      "$port" "$dir" "$mport" >"$dir/s.toml"
    "$SENTINEL_BIN" --config "$dir/s.toml" >"$dir/log" 2>&1 &
  else
    printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster 127.0.0.1 %s 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n' \
      "$port" "$dir" "$mport" >"$dir/s.conf"
    redis-sentinel "$dir/s.conf" >"$dir/log" 2>&1 &
  fi
  PIDS+=($!)
}

now_ms() { date +%s%3N; }

round() {  # kind round
  local kind=$1 n=$2 m=$((BASE + n * 10)) s=$((BASE + n * 10 + 5))
  start_redis $m; local master_pid=$LAST_PID
  start_redis $((m + 1)) $m 100
  start_redis $((m + 2)) $m 90
  for i in 0 1 2; do start_sentinel "$kind" $((s + i)) $m; done
  # Wait for discovery: every sentinel knows 2 replicas and 2 other sentinels.
  for _ in $(seq 1 300); do
    local ok=1
    for i in 0 1 2; do
      local info
      info=$(redis-cli -p $((s + i)) INFO sentinel 2>/dev/null | grep master0 || true)
      [[ "$info" == *"slaves=2,sentinels=3"* ]] || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.1
  done
  sleep 1
  local t0; t0=$(now_ms)
  kill -9 "$master_pid"
  for _ in $(seq 1 600); do
    local agree=1
    for i in 0 1 2; do
      [ "$(redis-cli -p $((s + i)) SENTINEL get-master-addr-by-name mymaster 2>/dev/null | tail -1)" = $((m + 2)) ] || agree=0
    done
    [ $agree = 1 ] && break
    sleep 0.05
  done
  echo "$kind round $n: $(( $(now_ms) - t0 )) ms from SIGKILL to all sentinels on the new master"
  # Stop this round's processes so rounds do not disturb each other.
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()
}

ONLY=${ONLY:-both}  # ours | redis | both
[ "$ONLY" != redis ] && for n in $(seq 1 "$ROUNDS"); do round ours "$n"; done
if [ "$ONLY" != ours ] && command -v redis-sentinel >/dev/null; then
  for n in $(seq 1 "$ROUNDS"); do round redis $((n + ROUNDS)); done
fi
