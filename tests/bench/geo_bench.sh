#!/usr/bin/env bash
# Benchmark (not a test): GEOSEARCH over a large geo set, the datanode against a real redis-server in the
# same run. Loads the same MEMBERS seeded random points (a quarter spread over the globe, the rest over
# Europe) into both with redis-cli --pipe, then runs redis-benchmark on a few search shapes and prints
# requests per second and the ours/redis ratio.
#
#   tests/bench/geo_bench.sh [path/to/datanode]     (default: build/datanode/datanode)
#   MEMBERS=1000000 N=20000 CLIENTS=10 tests/bench/geo_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
MEMBERS="${MEMBERS:-1000000}"
N="${N:-20000}"
CLIENTS="${CLIENTS:-10}"
ROUNDS="${ROUNDS:-3}"  # each figure is the best of this many runs, alternating servers (noisy machines)

source "$ROOT/tests/bench/lib.sh"
bench_require redis-server redis-benchmark redis-cli python3
bench_workdir dn-geo-bench
bench_start_pair

# The GEOADDs as raw RESP, 1000 members per command.
python3 - "$MEMBERS" > "$WORK/load.resp" <<'EOF'
import random, sys
random.seed(42)
n = int(sys.argv[1])
out = sys.stdout.buffer
for start in range(0, n, 1000):
    args = [b"GEOADD", b"geo"]
    for i in range(start, min(start + 1000, n)):
        if i % 4 == 0:
            x, y = random.uniform(-180, 180), random.uniform(-85, 85)
        else:
            x, y = random.uniform(-10, 30), random.uniform(36, 60)
        args += [b"%.6f" % x, b"%.6f" % y, b"m%d" % i]
    out.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
EOF
for port in "$OUR_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" --pipe < "$WORK/load.resp" > /dev/null
done
echo "== $(redis-cli -p "$OUR_PORT" zcard geo) members in ours, $(redis-cli -p "$REDIS_PORT" zcard geo) in redis"

rps() {
  redis-benchmark -p "$1" -n "$N" -c "$CLIENTS" -q "${@:2}" 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); print a[1] }' | tail -1
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0 ? a : b) }'; }

printf '%-62s %12s %12s %7s\n' "command (best of $ROUNDS, requests/s, -n $N -c $CLIENTS)" datanode redis ratio
while IFS= read -r cmd; do
  [ -z "$cmd" ] && continue
  ours=0
  theirs=0
  for _ in $(seq "$ROUNDS"); do
    # shellcheck disable=SC2086
    ours="$(max "$ours" "$(rps "$OUR_PORT" $cmd)")"
    # shellcheck disable=SC2086
    theirs="$(max "$theirs" "$(rps "$REDIS_PORT" $cmd)")"
  done
  awk -v c="$cmd" -v a="$ours" -v b="$theirs" \
    'BEGIN { printf "%-62s %12.0f %12.0f %7.2f\n", c, a, b, (b > 0 ? a / b : 0) }'
done <<'EOF'
GEOSEARCH geo FROMLONLAT 10 48 BYRADIUS 5 km ASC
GEOSEARCH geo FROMLONLAT 10 48 BYRADIUS 50 km COUNT 10 ASC
GEOSEARCH geo FROMLONLAT 10 48 BYBOX 40 40 km WITHDIST
GEOSEARCH geo FROMLONLAT 10 48 BYRADIUS 200 km COUNT 5 ANY
GEORADIUS geo 10 48 20 km WITHCOORD WITHDIST ASC
GEOPOS geo m1 m2 m3
GEODIST geo m1 m2 km
EOF
