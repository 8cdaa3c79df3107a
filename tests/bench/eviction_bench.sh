#!/usr/bin/env bash
# Eviction benchmark (not a test): the datanode and redis-server 7.0.15 side by side in one run, each
# with maxmemory 100mb and allkeys-lru, under the same Zipf-distributed cache workload
# (tests/bench/zipf_workload.py: GET, SET on a miss, 10% plain SETs, 1 KB values over 1M keys, so the
# working set is several times maxmemory). Prints throughput and hit ratio of each, twice (warm-up
# fills memory, then the measured run), and the evicted_keys and used_memory each ended with.
# Numbers on a shared machine are noisy: compare the two columns of one run, not runs.
#
#   tests/bench/eviction_bench.sh                       # BUILD_DIR=build, OPS=300000
#   OPS=1000000 KEYS=2000000 tests/bench/eviction_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
DATANODE="${DATANODE:-$ROOT/$BUILD_DIR/datanode/datanode}"
OPS="${OPS:-300000}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-1000}"
ALPHA="${ALPHA:-0.99}"
MAXMEMORY="${MAXMEMORY:-100mb}"
PY=/usr/bin/python3
for p in redis-server redis-cli; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
$PY -c 'import redis' 2>/dev/null || { echo "$PY has no redis module (python3-redis)" >&2; exit 1; }
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (set BUILD_DIR)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/eviction-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  local deadline=$((SECONDS + $2))
  until [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; do
    [ $SECONDS -lt $deadline ] || { echo "port $1 never came up" >&2; return 1; }
    sleep 0.05
  done
}
field() { redis-cli -p "$1" info "$2" | tr -d '\r' | grep "^$3:" | cut -d: -f2; }

common=(--maxmemory "$MAXMEMORY" --maxmemory-policy allkeys-lru --save '' --appendonly no)
mkdir -p "$WORK/dn" "$WORK/redis"
p1=$(free_port)
"$DATANODE" --port "$p1" --dir "$WORK/dn" "${common[@]}" >"$WORK/dn/log" 2>&1 &
PIDS+=($!)
p2=$(free_port)
(cd "$WORK/redis" && exec redis-server --port "$p2" --bind 127.0.0.1 --dir "$WORK/redis" "${common[@]}" >"$WORK/redis/log" 2>&1) &
PIDS+=($!)
wait_port "$p1" 20
wait_port "$p2" 20

echo "== Zipf(alpha=$ALPHA) over $KEYS keys of $VALUE_SIZE bytes, maxmemory $MAXMEMORY allkeys-lru, $OPS ops =="
printf '%-8s %-12s %12s %10s\n' run server ops/s hit-ratio
for run in warm-up measured; do
  seed=$([ "$run" = warm-up ] && echo 1 || echo 2)
  read -r a_ops a_hit < <($PY "$ROOT/tests/bench/zipf_workload.py" "$p1" "$OPS" "$KEYS" "$VALUE_SIZE" "$ALPHA" 0.1 "$seed")
  read -r b_ops b_hit < <($PY "$ROOT/tests/bench/zipf_workload.py" "$p2" "$OPS" "$KEYS" "$VALUE_SIZE" "$ALPHA" 0.1 "$seed")
  printf '%-8s %-12s %12s %10s\n' "$run" datanode "$a_ops" "$a_hit" "$run" redis-server "$b_ops" "$b_hit"
  $PY -c "print('%-8s %-12s %12.2f %10.3f' % ('$run', 'ratio', $a_ops / $b_ops, $a_hit / max($b_hit, 1e-9)))"
done
for s in "datanode $p1" "redis-server $p2"; do
  set -- $s
  echo "$1: evicted_keys=$(field "$2" stats evicted_keys) keys=$(redis-cli -p "$2" dbsize) used_memory=$(field "$2" memory used_memory) rss=$(field "$2" memory used_memory_rss)"
done
