#!/usr/bin/env bash
# Benchmark (not a test): EVALSHA throughput of the datanode against a real redis-server on the same
# machine in the same run, with redis-benchmark. Two scripts: one that only returns (the cost of the
# script call itself) and one that runs INCR through redis.call (the dispatcher path). Prints ours/redis.
#
#   tests/bench/eval_bench.sh [path/to/datanode]     (default: build/datanode/datanode)
#   N=100000 P=1 ROUNDS=5 tests/bench/eval_bench.sh   (ROUNDS: runs per server, the median is kept)
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
OUR_PID="${PIDS[0]}"
REDIS_PID="${PIDS[1]}"
BASE_PORT=""
if [ -n "${BASELINE:-}" ]; then
  BASE_PORT="$(bench_free_port)"
  mkdir -p "$WORK/base"
  printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nappendonly = false\nloglevel = "warning"\nsave = ""\n' \
    "$BASE_PORT" "$WORK/base" > "$WORK/base/datanode.toml"
  "$BASELINE" --config "$WORK/base/datanode.toml" > "$WORK/base/datanode.log" 2>&1 &
  PIDS+=($!)
  BASE_PID=$!
  bench_wait "$BASE_PORT"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_ticks() {  # pid -> user+system CPU time in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time the server spent per request (microseconds): under a loaded machine this is steadier than
# requests per second, which mostly measure how often the scheduler lets each process run.
rps_cpu() {  # name, pid, port, command words... -> requests per second; µs/request appended to $WORK/cpu.name
  local name="$1" pid="$2" port="$3"
  shift 3
  local t0 t1 r
  t0="$(cpu_ticks "$pid")"
  r="$(rps "$port" "$@")"
  t1="$(cpu_ticks "$pid")"
  python3 -c "print(($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / $N)" >> "$WORK/cpu.$name"
  echo "$r"
}

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
  # Alternate the servers round by round so background load on this machine spreads over all of them;
  # each figure is the median of ROUNDS runs.
  [ -n "$BASE_PORT" ] && redis-cli -p "$BASE_PORT" script load "$body" >/dev/null
  rs="" os="" bs=""
  rm -f "$WORK"/cpu.*
  for _ in $(seq "${ROUNDS:-2}"); do
    rs="$rs $(rps_cpu redis "$REDIS_PID" "$REDIS_PORT" evalsha "$redis_sha" 1 bench:key)"
    os="$os $(rps_cpu ours "$OUR_PID" "$OUR_PORT" evalsha "$ours_sha" 1 bench:key)"
    if [ -n "$BASE_PORT" ]; then bs="$bs $(rps_cpu base "$BASE_PID" "$BASE_PORT" evalsha "$ours_sha" 1 bench:key)"; fi
  done
  python3 - "$body" "$rs" "$os" "$bs" "$(cat "$WORK/cpu.redis")" "$(cat "$WORK/cpu.ours")" "$(cat "$WORK/cpu.base" 2>/dev/null || true)" <<'PY'
import statistics, sys
body = sys.argv[1]
med = lambda a: statistics.median(map(float, a.split())) if a.strip() else 0.0
redis, ours, base, credis, cours, cbase = (med(a) for a in sys.argv[2:8])
line = f"EVALSHA {body!r}: redis {redis:.0f}/s  ours {ours:.0f}/s  ratio {ours / redis:.2f}"
if base:
    line += f"  baseline {base:.0f}/s  ratio {base / redis:.2f}  ours/baseline {ours / base:.2f}"
print(line)
line = f"  server CPU per call: redis {credis:.1f} us  ours {cours:.1f} us  (redis/ours {credis / cours:.2f})"
if cbase:
    line += f"  baseline {cbase:.1f} us  (redis/baseline {credis / cbase:.2f})"
print(line)
PY
done
