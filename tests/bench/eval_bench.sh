#!/usr/bin/env bash
# Benchmark (not a test): EVALSHA throughput of the datanode against a real redis-server on the same
# machine in the same run, with redis-benchmark. Two scripts: one that only returns (the cost of the
# script call itself) and one that runs INCR through redis.call (the dispatcher path). Prints ours/redis.
#
#   tests/bench/eval_bench.sh [path/to/datanode]     (default: build/datanode/datanode)
#   N=100000 P=1 tests/bench/eval_bench.sh
#   BASELINE=path/to/older/datanode tests/bench/eval_bench.sh   (also measures that binary, same run)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
N="${N:-100000}"
P="${P:-1}"

source "$ROOT/tests/bench/lib.sh"
bench_require redis-server redis-benchmark redis-cli
bench_workdir eval-bench
bench_start_pair 'save = ""'
BASE_PORT=""
if [ -n "${BASELINE:-}" ]; then
  BASE_PORT="$(bench_free_port)"
  mkdir -p "$WORK/base"
  printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nappendonly = false\nloglevel = "warning"\nsave = ""\n' \
    "$BASE_PORT" "$WORK/base" > "$WORK/base/datanode.toml"
  "$BASELINE" --config "$WORK/base/datanode.toml" > "$WORK/base/datanode.log" 2>&1 &
  PIDS+=($!)
  bench_wait "$BASE_PORT"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

rps() {  # port, command words... -> requests per second
  local port="$1"
  shift
  redis-benchmark -p "$port" -n "$N" -P "$P" -q "$@" 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); print a[1] }' | tail -1
}

for body in "return 1" "return redis.call('incr', KEYS[1])"; do
  ours_sha="$(redis-cli -p "$OUR_PORT" script load "$body")"
  redis_sha="$(redis-cli -p "$REDIS_PORT" script load "$body")"
  [ "$ours_sha" = "$redis_sha" ] || { echo "SHA differs: $ours_sha vs $redis_sha" >&2; exit 1; }
  # Alternate the servers so background load on this machine spreads over all of them.
  b1=0 b2=0
  [ -n "$BASE_PORT" ] && redis-cli -p "$BASE_PORT" script load "$body" >/dev/null
  r1="$(rps "$REDIS_PORT" evalsha "$redis_sha" 1 bench:key)"
  o1="$(rps "$OUR_PORT" evalsha "$ours_sha" 1 bench:key)"
  [ -n "$BASE_PORT" ] && b1="$(rps "$BASE_PORT" evalsha "$ours_sha" 1 bench:key)"
  r2="$(rps "$REDIS_PORT" evalsha "$redis_sha" 1 bench:key)"
  o2="$(rps "$OUR_PORT" evalsha "$ours_sha" 1 bench:key)"
  [ -n "$BASE_PORT" ] && b2="$(rps "$BASE_PORT" evalsha "$ours_sha" 1 bench:key)"
  python3 - "$body" "$r1" "$r2" "$o1" "$o2" "$b1" "$b2" <<'PY'
import sys
body, r1, r2, o1, o2, b1, b2 = sys.argv[1], *map(float, sys.argv[2:])
redis, ours, base = (r1 + r2) / 2, (o1 + o2) / 2, (b1 + b2) / 2
line = f"EVALSHA {body!r}: redis {redis:.0f}/s  ours {ours:.0f}/s  ratio {ours / redis:.2f}"
if base:
    line += f"  baseline {base:.0f}/s  ratio {base / redis:.2f}"
print(line)
PY
done
