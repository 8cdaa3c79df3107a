#!/usr/bin/env bash
# Benchmark (not a test): streams, HyperLogLog and bitmaps, the datanode against a real redis-server in
# the same run (redis-benchmark, alternating servers, best of ROUNDS), ratio ours/redis:
#   XADD                 "XADD xs * field value"
#   XREADGROUP           one entry per call from a prefilled stream ("XREADGROUP GROUP g c COUNT 1 ... >")
#   PFADD / PFCOUNT      random members of 1M into one HyperLogLog (dense after a few thousand), PFCOUNT on it
#   SETBIT / BITCOUNT    SETBIT in a 1 MB bitmap, BITCOUNT over the whole 1 MB (200k random bits set)
#   bytes/entry          used_memory after ENTRIES pipelined XADDs (one 10-byte field and value, "*" IDs)
#                        minus used_memory before, divided by ENTRIES (lower is better)
# On a shared machine the figures are noisy: compare ratios from one run, and note the load average.
#
#   tests/bench/stream_bench.sh [path/to/datanode]     (default: build/datanode/datanode)
#   N=20000 ENTRIES=100000 tests/bench/stream_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
N="${N:-100000}"
ENTRIES="${ENTRIES:-1000000}"
CLIENTS="${CLIENTS:-50}"
ROUNDS="${ROUNDS:-2}"

source "$ROOT/tests/bench/lib.sh"
bench_require redis-server redis-benchmark redis-cli python3
bench_workdir stream-bench
bench_start_pair 'save = ""'

rps() {  # port, redis-benchmark args... -> requests per second
  redis-benchmark -p "$1" -n "$N" -c "$CLIENTS" -q "${@:2}" 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); print a[1] }' | tail -1
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0 ? a : b) }'; }
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/{print $2}'; }
both() { redis-cli -p "$OUR_PORT" "$@" >/dev/null; redis-cli -p "$REDIS_PORT" "$@" >/dev/null; }
row() {  # label, redis-benchmark args... (SLOW=1: a twentieth of N, for the 1 MB bitmap scans)
  local label="$1" ours=0 theirs=0 n="$N"
  shift
  [ -n "${SLOW:-}" ] && n=$((N / 20))
  for _ in $(seq "$ROUNDS"); do
    theirs="$(max "$theirs" "$(N=$n rps "$REDIS_PORT" "$@")")"
    ours="$(max "$ours" "$(N=$n rps "$OUR_PORT" "$@")")"
  done
  awk -v c="$label" -v a="$ours" -v b="$theirs" \
    'BEGIN { printf "%-34s %12.0f %12.0f %7.2f\n", c, a, b, (b > 0 ? a / b : 0) }'
}

echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg), N=$N clients=$CLIENTS best of $ROUNDS"
printf '%-34s %12s %12s %7s\n' "test (requests/s)" datanode redis ratio
row "XADD xs * field value" XADD xs '*' field value

# A stream with enough entries for every XREADGROUP round, one group reading from the start.
python3 - "$((N * ROUNDS + 10))" > "$WORK/rg.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    out.write("*5\r\n$4\r\nXADD\r\n$2\r\nrg\r\n$1\r\n*\r\n$1\r\nf\r\n$%d\r\n%d\r\n" % (len(str(i)), i))
out.write("*5\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n$2\r\nrg\r\n$1\r\ng\r\n$1\r\n0\r\n")
PY
for port in "$OUR_PORT" "$REDIS_PORT"; do redis-cli -p "$port" --pipe < "$WORK/rg.resp" >/dev/null; done
row "XREADGROUP COUNT 1 >" XREADGROUP GROUP g c COUNT 1 STREAMS rg '>'

row "PFADD hll rand(1M)" -r 1000000 PFADD hll __rand_int__
row "PFCOUNT hll (dense)" PFCOUNT hll
both SETBIT bm 8388607 0
# redis-benchmark's __rand_int__ is zero-padded, which SETBIT refuses as an offset: fixed offsets instead.
row "SETBIT bm 4242424 1 (1 MB)" SETBIT bm 4242424 1
row "SETBIT bm 8388607 0 (1 MB)" SETBIT bm 8388607 0
python3 - > "$WORK/bits.resp" <<'PY'
import random, sys
random.seed(7)
for _ in range(200000):
    o = str(random.randrange(8388608))
    sys.stdout.write("*4\r\n$6\r\nSETBIT\r\n$2\r\nbm\r\n$%d\r\n%s\r\n$1\r\n1\r\n" % (len(o), o))
PY
for port in "$OUR_PORT" "$REDIS_PORT"; do redis-cli -p "$port" --pipe < "$WORK/bits.resp" >/dev/null; done
SLOW=1 row "BITCOUNT bm (1 MB)" BITCOUNT bm
SLOW=1 row "BITCOUNT bm 0 -1 BIT (1 MB)" BITCOUNT bm 0 -1 BIT

# Memory per entry of a stream of ENTRIES entries.
python3 - "$ENTRIES" > "$WORK/big.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    out.write("*5\r\n$4\r\nXADD\r\n$3\r\nbig\r\n$1\r\n*\r\n$10\r\nfield-name\r\n$10\r\nv%09d\r\n" % i)
PY
declare -A per_entry
for port in "$OUR_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" flushall >/dev/null
  before=$(used "$port")
  redis-cli -p "$port" --pipe < "$WORK/big.resp" >/dev/null
  [ "$(redis-cli -p "$port" xlen big)" = "$ENTRIES" ] || { echo "XLEN mismatch on $port" >&2; exit 1; }
  after=$(used "$port")
  per_entry[$port]=$(python3 -c "print(f'{($after-$before)/$ENTRIES:.1f}')")
done
awk -v c="bytes/entry ($ENTRIES entries)" -v a="${per_entry[$OUR_PORT]}" -v b="${per_entry[$REDIS_PORT]}" \
  'BEGIN { printf "%-34s %12.1f %12.1f %7.2f\n", c, a, b, a / b }'
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
