#!/usr/bin/env bash
# Benchmark (not a test): the datanode against a real redis-server on the same machine, same run.
# Starts both on free loopback ports without persistence, runs redis-benchmark at -P 1 and -P 16 and
# prints ours/redis ratios per test, then loads 1M small keys into each and compares used_memory and RSS.
#
#   tests/bench/datanode_vs_redis.sh [path/to/datanode]     (default: build/datanode/datanode)
#   N=200000 KEYS=1000000 tests/bench/datanode_vs_redis.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
N="${N:-200000}"
KEYS="${KEYS:-1000000}"
TESTS="${TESTS:-set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100}"

for p in redis-server redis-benchmark redis-cli; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (build it first)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK="$(mktemp -d /tmp/dn-bench-XXXXXX)"
OUR_PORT="$(free_port)"
REDIS_PORT="$(free_port)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_servers() {
  # No snapshots on either side (redis-server gets --save ''): a BGSAVE fork would skew the figures.
  printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nappendonly = false\nsave = ""\nloglevel = "warning"\n' \
    "$OUR_PORT" "$WORK" > "$WORK/datanode.toml"
  "$DATANODE" --config "$WORK/datanode.toml" > "$WORK/datanode.log" 2>&1 &
  PIDS+=($!)
  OUR_PID=$!
  (cd "$WORK" && exec redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel warning > "$WORK/redis.log" 2>&1) &
  PIDS+=($!)
  REDIS_PID=$!
  for port in "$OUR_PORT" "$REDIS_PORT"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
}

stop_servers() {
  kill "$OUR_PID" "$REDIS_PID" 2>/dev/null || true
  wait "$OUR_PID" "$REDIS_PID" 2>/dev/null || true
  PIDS=()
}

# "SET: 123456.78 requests per second, p50=..." -> "SET 123456.78"
bench() {
  local port="$1" pipeline="$2"
  redis-benchmark -p "$port" -t "$TESTS" -n "$N" -P "$pipeline" -q 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); name=$1; gsub(/ /, "_", name); print name, a[1] }'
}

compare() {
  local pipeline="$1"
  redis-cli -p "$OUR_PORT" flushall >/dev/null
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  bench "$OUR_PORT" "$pipeline" > "$WORK/ours.txt"
  bench "$REDIS_PORT" "$pipeline" > "$WORK/redis.txt"
  echo "== redis-benchmark -n $N -P $pipeline (requests per second)"
  printf '%-28s %14s %14s %8s\n' test datanode redis ratio
  join <(sort "$WORK/ours.txt") <(sort "$WORK/redis.txt") |
    awk '{ printf "%-28s %14.0f %14.0f %8.2f\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0) }'
}

field() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }

memory() {
  redis-cli -p "$OUR_PORT" flushall >/dev/null
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  local base_ours base_redis
  base_ours="$(field "$OUR_PORT" used_memory)"
  base_redis="$(field "$REDIS_PORT" used_memory)"
  for port in "$OUR_PORT" "$REDIS_PORT"; do
    # key:000000000123 -> "xxx" (3 bytes): 1M distinct small keys, pipelined.
    redis-benchmark -p "$port" -t set -r "$KEYS" -n "$((KEYS * 3))" -P 64 -d 3 -q >/dev/null 2>&1
  done
  echo "== memory after loading small keys (redis-benchmark -t set -r $KEYS -d 3)"
  printf '%-10s %10s %14s %14s %12s\n' server keys used_memory rss bytes/key
  for port in "$OUR_PORT" "$REDIS_PORT"; do
    local name=datanode base="$base_ours"
    [ "$port" = "$REDIS_PORT" ] && name=redis && base="$base_redis"
    local keys used rss
    keys="$(redis-cli -p "$port" dbsize)"
    used="$(field "$port" used_memory)"
    rss="$(field "$port" used_memory_rss)"
    printf '%-10s %10s %14s %14s %12.1f\n' "$name" "$keys" "$used" "$rss" "$(echo "($used - $base) / $keys" | bc -l)"
  done
}

start_servers
echo "datanode: $DATANODE (port $OUR_PORT)   redis: $(redis-server --version | awk '{print $3}') (port $REDIS_PORT)"
compare 1
compare 16
memory
stop_servers
