#!/usr/bin/env bash
# AOF benchmark (not a test): write throughput of the datanode vs the real redis-server with the same
# AOF settings in the same run (redis-benchmark -t set -n 100000 -q, appendfsync everysec and always),
# then replay speed: one large AOF (a few hundred MB, written through the datanode) loaded by the
# datanode and by redis-server (which loads a single-file AOF as an old-style base), commands/s.
#
#   tests/bench/aof_bench.sh                 # BUILD_DIR=build, 2,000,000 records for the replay test
#   BUILD_DIR=build-aof REPLAY_REQUESTS=500000 tests/bench/aof_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
DATANODE="${DATANODE:-$ROOT/$BUILD_DIR/datanode/datanode}"
REQUESTS="${REQUESTS:-100000}"
REPLAY_REQUESTS="${REPLAY_REQUESTS:-2000000}"
VALUE_SIZE="${VALUE_SIZE:-100}"
for p in redis-server redis-benchmark redis-cli; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (set BUILD_DIR)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/aof-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # port timeout_s
  local deadline=$((SECONDS + $2))
  until [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; do
    [ $SECONDS -lt $deadline ] || { echo "port $1 never came up" >&2; return 1; }
    sleep 0.05
  done
}
start_datanode() {  # dir port extra-args...
  local dir=$1 port=$2; shift 2
  "$DATANODE" --port "$port" --dir "$dir" "$@" >"$dir/log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
start_redis() {  # dir port extra-args...
  local dir=$1 port=$2; shift 2
  (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' "$@" >"$dir/log" 2>&1) &
  PIDS+=($!)
  LAST_PID=$!
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
set_rps() { redis-benchmark -p "$1" -t set -n "$REQUESTS" -q 2>/dev/null | tr '\r' '\n' | grep -E '^SET:' | tail -1 | awk '{print $2}'; }

echo "== write throughput: redis-benchmark -t set -n $REQUESTS -q (50 clients, no pipelining) =="
printf '%-10s %16s %16s\n' appendfsync datanode redis-server
for policy in everysec always; do
  d1="$WORK/dn-$policy"; d2="$WORK/redis-$policy"; mkdir -p "$d1" "$d2"
  p1=$(free_port); start_datanode "$d1" "$p1" --appendonly yes --appendfsync "$policy"; dn=$LAST_PID
  p2=$(free_port); start_redis "$d2" "$p2" --appendonly yes --appendfsync "$policy" --aof-use-rdb-preamble no; rd=$LAST_PID
  wait_port "$p1" 20; wait_port "$p2" 20
  a=$(set_rps "$p1"); b=$(set_rps "$p2")
  printf '%-10s %16s %16s   (requests/s)\n' "$policy" "$a" "$b"
  stop "$dn"; stop "$rd"
done

echo
echo "== replay: $REPLAY_REQUESTS SET/LPUSH/HSET/SADD/ZADD records, ${VALUE_SIZE}-byte values =="
src="$WORK/replay-src"; mkdir -p "$src"
p=$(free_port); start_datanode "$src" "$p" --appendonly yes --appendfsync no --auto-aof-rewrite-percentage 0; dn=$LAST_PID
wait_port "$p" 20
per=$((REPLAY_REQUESTS / 5))
redis-benchmark -p "$p" -t set,lpush,hset,sadd,zadd -n "$per" -r 1000000 -d "$VALUE_SIZE" -P 64 -q >/dev/null 2>&1
stop "$dn"
aof="$src/appendonly.aof"
size=$(stat -c %s "$aof")
echo "file: $((size / 1024 / 1024)) MB"

d="$WORK/replay-dn"; mkdir -p "$d"; cp "$aof" "$d/appendonly.aof"
p=$(free_port); t0=$(date +%s.%N); start_datanode "$d" "$p" --appendonly yes; dn=$LAST_PID
wait_port "$p" 600; t1=$(date +%s.%N)
dn_line=$(grep -a "DB loaded from append only file" "$d/log" | tail -1)
dn_cmds=$(echo "$dn_line" | sed -E 's/.*\(([0-9]+) commands\).*/\1/')
dn_secs=$(echo "$dn_line" | sed -E 's/.*file: ([0-9.]+) seconds.*/\1/')
dn_keys=$(redis-cli -p "$p" dbsize)
stop "$dn"

d="$WORK/replay-redis"; mkdir -p "$d"; cp "$aof" "$d/appendonly.aof"
p=$(free_port); t2=$(date +%s.%N); start_redis "$d" "$p" --appendonly yes --aof-use-rdb-preamble no; rd=$LAST_PID
wait_port "$p" 600; t3=$(date +%s.%N)
rd_secs=$(grep -a "DB loaded from" "$d/log" | grep -oE '[0-9]+\.[0-9]+ seconds' | head -1 | awk '{print $1}')
rd_keys=$(redis-cli -p "$p" dbsize)
stop "$rd"

python3 - "$dn_cmds" "$dn_secs" "$rd_secs" "$t0" "$t1" "$t2" "$t3" "$dn_keys" "$rd_keys" <<'PY'
import sys
cmds, dn, rd = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3] or 'nan')
t0, t1, t2, t3 = map(float, sys.argv[4:8])
print(f"commands in file: {cmds}   keys after load: datanode {sys.argv[8]}, redis {sys.argv[9]}")
print(f"{'':10} {'load s':>10} {'commands/s':>14} {'start->ready s':>16}")
print(f"{'datanode':10} {dn:10.3f} {cmds / dn if dn else float('inf'):14,.0f} {t1 - t0:16.3f}")
print(f"{'redis':10} {rd:10.3f} {cmds / rd if rd else float('inf'):14,.0f} {t3 - t2:16.3f}")
PY
