#!/usr/bin/env bash
# Benchmark (not a test): memory of small and large collections, the datanode against redis-server
# 7.0.15. Each row loads the same RESP (redis-cli --pipe) into a fresh pair of servers and reports the
# growth of used_memory and of RSS, per key for the small collections and per element for the large
# ones, with the ours/redis ratio (the method of perf_table.py's memory rows).
#
#   tests/bench/memory_collections.sh [path/to/datanode]     (default: build/datanode/datanode)
#   KEYS=100000 LARGE=1000000 ROWS="list10 zset10" tests/bench/memory_collections.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
KEYS="${KEYS:-100000}"
LARGE="${LARGE:-1000000}"
ROWS="${ROWS:-intset10 set10 zset10 list10 hash10 set-large zset-large list-large}"

source "$ROOT/tests/bench/lib.sh"
bench_require redis-server redis-cli python3
bench_workdir dn-memory-collections

# RESP for one row: `per-key` rows write KEYS keys of 10 elements, `large` rows one key in batches.
python3 - "$WORK" "$KEYS" "$LARGE" <<'EOF'
import sys
work, keys, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def resp(args):
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
small = {
    "intset10": lambda i: ["SADD", f"s:{i}"] + [i * 10 + j for j in range(10)],
    "set10": lambda i: ["SADD", f"s:{i}"] + [f"member:{j}" for j in range(10)],
    "zset10": lambda i: ["ZADD", f"z:{i}"] + [x for j in range(10) for x in (j, f"member:{j}")],
    "list10": lambda i: ["RPUSH", f"l:{i}"] + [f"value:{j}" for j in range(10)],
    "hash10": lambda i: ["HSET", f"h:{i}"] + [x for j in range(10) for x in (f"field{j}", f"value{j}")],
}
for name, make in small.items():
    with open(f"{work}/{name}.resp", "wb") as f:
        f.write(b"".join(resp(make(i)) for i in range(keys)))
big = {
    "set-large": lambda lo, hi: ["SADD", "big"] + [f"member:{j}" for j in range(lo, hi)],
    "zset-large": lambda lo, hi: ["ZADD", "big"] + [x for j in range(lo, hi) for x in (j, f"member:{j}")],
    "list-large": lambda lo, hi: ["RPUSH", "big"] + [f"value:{j}" for j in range(lo, hi)],
}
for name, make in big.items():
    with open(f"{work}/{name}.resp", "wb") as f:
        f.write(b"".join(resp(make(lo, min(lo + 1000, large))) for lo in range(0, large, 1000)))
EOF

used_of() { redis-cli -p "$1" info memory | tr -d '\r' | grep '^used_memory:' | cut -d: -f2; }
rss_of() { echo $(($(awk '{print $2}' "/proc/$1/statm") * $(getconf PAGESIZE))); }
ratio() { python3 -c "print('%.2f' % ($1 / $2) if $2 else '-')"; }

printf '%-11s %8s | %10s %10s %6s | %10s %10s %6s\n' row per used-ours used-redis ratio rss-ours rss-redis ratio
for row in $ROWS; do
  case "$row" in *-large) per=$LARGE ;; *) per=$KEYS ;; esac
  bench_start_pair
  declare -A used rss
  for side in ours redis; do
    if [ $side = ours ]; then port=$OUR_PORT pid=${PIDS[-2]}; else port=$REDIS_PORT pid=${PIDS[-1]}; fi
    u0=$(used_of "$port") r0=$(rss_of "$pid")
    redis-cli -p "$port" --pipe < "$WORK/$row.resp" > /dev/null
    used[$side]=$((($(used_of "$port") - u0) / per))
    rss[$side]=$((($(rss_of "$pid") - r0) / per))
  done
  printf '%-11s %8s | %10s %10s %6s | %10s %10s %6s\n' "$row" "$per" "${used[ours]}" "${used[redis]}" \
    "$(ratio "${used[ours]}" "${used[redis]}")" "${rss[ours]}" "${rss[redis]}" "$(ratio "${rss[ours]}" "${rss[redis]}")"
  # SIGKILL: a datanode stopped gracefully would save dump.rdb, and the next row's would load it.
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
  rm -f "$WORK"/*.rdb
done
