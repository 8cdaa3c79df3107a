#!/usr/bin/env bash
# Stream benchmark (not a test), the datanode against redis-server in the same run:
#   XADD throughput      redis-benchmark -n $REQUESTS "XADD s * field value" (50 clients)
#   XREADGROUP throughput one entry per call from a prefilled stream ("XREADGROUP GROUP g c COUNT 1 ... >")
#   memory per entry     used_memory after loading $ENTRIES entries (pipelined XADD with "*", one
#                        10-byte field and value pair), minus used_memory before, divided by $ENTRIES
# Ratios are datanode/redis-server for throughput (higher is better) and memory (lower is better). On a
# shared machine the throughput figures are noisy: compare ratios from one run, not absolute numbers.
#
#   tests/bench/stream_bench.sh                        # BUILD_DIR=build, REQUESTS=100000, ENTRIES=1000000
#   REQUESTS=20000 ENTRIES=100000 tests/bench/stream_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
DATANODE="${DATANODE:-$ROOT/$BUILD_DIR/datanode/datanode}"
REQUESTS="${REQUESTS:-100000}"
ENTRIES="${ENTRIES:-1000000}"
for p in redis-server redis-benchmark redis-cli; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (set BUILD_DIR)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/stream-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  local deadline=$((SECONDS + 20))
  until [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; do
    [ $SECONDS -lt $deadline ] || { echo "port $1 never came up" >&2; return 1; }
    sleep 0.05
  done
}

mkdir -p "$WORK/dn" "$WORK/redis"
DN_PORT=$(free_port)
"$DATANODE" --port "$DN_PORT" --dir "$WORK/dn" >"$WORK/dn/log" 2>&1 &
PIDS+=($!)
RD_PORT=$(free_port)
(cd "$WORK/redis" && exec redis-server --port "$RD_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' \
  --appendonly no >"$WORK/redis/log" 2>&1) &
PIDS+=($!)
wait_port "$DN_PORT"
wait_port "$RD_PORT"

rps() {  # port args...: requests per second of one redis-benchmark custom command
  local port=$1; shift
  redis-benchmark -p "$port" -n "$REQUESTS" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -E 'requests per second' |
    tail -1 | awk '{print $2}'
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/{print $2}'; }

printf '%-22s %14s %14s %8s\n' test datanode redis-server ratio
a=$(rps "$DN_PORT" XADD xs '*' field value); b=$(rps "$RD_PORT" XADD xs '*' field value)
printf '%-22s %14s %14s %8s\n' "XADD (req/s)" "$a" "$b" "$(ratio "$a" "$b")"

for port in "$DN_PORT" "$RD_PORT"; do
  python3 - "$REQUESTS" <<'PY' | redis-cli -p "$port" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    out.write("*5\r\n$4\r\nXADD\r\n$2\r\nrg\r\n$1\r\n*\r\n$1\r\nf\r\n$%d\r\n%d\r\n" % (len(str(i)), i))
out.write("*5\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n$2\r\nrg\r\n$1\r\ng\r\n$1\r\n0\r\n")
PY
done
a=$(rps "$DN_PORT" XREADGROUP GROUP g c COUNT 1 STREAMS rg '>')
b=$(rps "$RD_PORT" XREADGROUP GROUP g c COUNT 1 STREAMS rg '>')
printf '%-22s %14s %14s %8s\n' "XREADGROUP (req/s)" "$a" "$b" "$(ratio "$a" "$b")"

declare -A per_entry
for port in "$DN_PORT" "$RD_PORT"; do
  redis-cli -p "$port" flushall >/dev/null
  before=$(used "$port")
  python3 - "$ENTRIES" <<'PY' | redis-cli -p "$port" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    v = "v%09d" % i
    out.write("*5\r\n$4\r\nXADD\r\n$3\r\nbig\r\n$1\r\n*\r\n$10\r\nfield-name\r\n$10\r\n%s\r\n" % v)
PY
  [ "$(redis-cli -p "$port" xlen big)" = "$ENTRIES" ] || { echo "XLEN mismatch on $port" >&2; exit 1; }
  after=$(used "$port")
  per_entry[$port]=$(python3 -c "print(f'{($after-$before)/$ENTRIES:.1f}')")
done
printf '%-22s %14s %14s %8s\n' "bytes/entry ($ENTRIES)" "${per_entry[$DN_PORT]}" "${per_entry[$RD_PORT]}" \
  "$(ratio "${per_entry[$DN_PORT]}" "${per_entry[$RD_PORT]}")"
