#!/usr/bin/env bash
# Memory per key (not a test): 1M small strings, then 100k hashes of 10 fields, written through
# redis-cli --pipe into redis-server 7.0.15 and the datanode, each measured as used_memory and RSS
# growth divided by the number of keys. With LIBC_BUILD_DIR (a build configured -DUSE_JEMALLOC=OFF) the
# same is measured for the datanode on glibc malloc and on mimalloc and jemalloc preloaded into it: the
# allocator comparison behind USE_JEMALLOC (used_memory of a preloaded allocator is not known to the
# process: only RSS counts there). Also throughput with redis-benchmark SET/GET/HSET at -P 1 and -P 16.
#
#   tests/bench/memory_per_key.sh
#   LIBC_BUILD_DIR=build-libc tests/bench/memory_per_key.sh      # or LIBC_DATANODE=/path/to/datanode
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
DATANODE="${DATANODE:-$ROOT/$BUILD_DIR/datanode/datanode}"
STRINGS="${STRINGS:-1000000}"
HASHES="${HASHES:-100000}"
REQUESTS="${REQUESTS:-200000}"
PY=/usr/bin/python3
for p in redis-server redis-cli redis-benchmark; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (set BUILD_DIR)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/memory-bench.XXXXXX)"
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
field() { redis-cli -p "$1" info memory | tr -d '\r' | grep "^$2:" | cut -d: -f2; }
rss_of() { echo $(( $(awk '{print $2}' "/proc/$1/statm") * $(getconf PAGESIZE) )); }

$PY - "$STRINGS" "$HASHES" "$WORK" <<'PYEOF'
import sys
strings, hashes, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
with open(work + "/strings.resp", "wb") as f:
    for i in range(strings):
        f.write(resp("SET", "key:%d" % i, "value:%d" % i))
with open(work + "/hashes.resp", "wb") as f:
    for i in range(hashes):
        args = ["HSET", "hash:%d" % i]
        for j in range(10):
            args += ["field%d" % j, "value:%d:%d" % (i, j)]
        f.write(resp(*args))
PYEOF

# label, then the command line (env assignments allowed through env).
measure() {
  local label=$1; shift
  local dir="$WORK/$label" port
  mkdir -p "$dir"
  port=$(free_port)
  (cd "$dir" && exec env "$@" --port "$port" --dir "$dir" --save '' --appendonly no >"$dir/log" 2>&1) &
  local pid=$!
  PIDS+=($pid)
  wait_port "$port" 20
  local u0 r0 u1 r1 u2 r2 known=1
  u0=$(field "$port" used_memory); r0=$(rss_of "$pid")
  redis-cli -p "$port" --pipe <"$WORK/strings.resp" >/dev/null
  u1=$(field "$port" used_memory); r1=$(rss_of "$pid")
  redis-cli -p "$port" --pipe <"$WORK/hashes.resp" >/dev/null
  u2=$(field "$port" used_memory); r2=$(rss_of "$pid")
  case "$label" in *preload*) known=0 ;; esac
  local su sr hu hr
  su=$([ $known = 1 ] && echo $(( (u1 - u0) / STRINGS )) || echo -)
  hu=$([ $known = 1 ] && echo $(( (u2 - u1) / HASHES )) || echo -)
  sr=$(( (r1 - r0) / STRINGS )); hr=$(( (r2 - r1) / HASHES ))
  local rps=()
  for t in set get hset; do
    for p in 1 16; do
      rps+=("$(redis-benchmark -p "$port" -t "$t" -n "$REQUESTS" -P "$p" -q 2>/dev/null | tr '\r' '\n' |
        grep -iE "^$t:" | tail -1 | awk '{print $2}')")
    done
  done
  printf '%-22s %9s %9s %9s %9s | %9s %9s %9s %9s %9s %9s\n' "$label" "$su" "$sr" "$hu" "$hr" "${rps[@]}"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

echo "== bytes per key: $STRINGS small strings, $HASHES hashes of 10 fields; then requests/s ($REQUESTS requests, 50 clients) =="
printf '%-22s %9s %9s %9s %9s | %9s %9s %9s %9s %9s %9s\n' server str-used str-rss hash-used hash-rss \
  SET-P1 SET-P16 GET-P1 GET-P16 HSET-P1 HSET-P16
measure redis-server redis-server --bind 127.0.0.1
measure datanode "$DATANODE"
if [ -n "${LIBC_BUILD_DIR:-}${LIBC_DATANODE:-}" ]; then
  LIBC="${LIBC_DATANODE:-$ROOT/${LIBC_BUILD_DIR:-}/datanode/datanode}"
  measure datanode-glibc "$LIBC"
  for lib in /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2; do
    [ -f "$lib" ] && measure "glibc+preload-$(basename "$lib" | cut -d. -f1 | sed 's/^lib//')" LD_PRELOAD="$lib" "$LIBC"
  done
fi
