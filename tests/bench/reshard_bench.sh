#!/usr/bin/env bash
# Benchmark (not a test): live resharding, a datanode cluster against a redis-server 7.0.15 cluster in
# the same run. Each: three masters by `redis-cli --cluster create`, KEYS string keys spread over every
# slot (loaded per master with redis-cli --pipe), a fourth empty master by `--cluster add-node`, then
# `--cluster reshard` of SLOTS slots onto it while a client (python3-redis RedisCluster) keeps reading
# and writing random keys and records its worst latency. Prints time, keys moved and keys/s for each,
# the ratio ours / redis and the load average before and after. On a loaded machine compare the ratio,
# not the absolute figures.
#
#   tests/bench/reshard_bench.sh [path/to/datanode]       (default: build/datanode/datanode)
#   KEYS=1000000 SLOTS=4000 PIPELINE=100 tests/bench/reshard_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
KEYS="${KEYS:-1000000}"
SLOTS="${SLOTS:-4000}"
PIPELINE="${PIPELINE:-100}"
PY=/usr/bin/python3

source "$ROOT/tests/bench/lib.sh"
bench_require redis-server redis-cli bc
$PY -c 'import redis.cluster' 2>/dev/null || { echo "missing python3-redis" >&2; exit 1; }
bench_workdir reshard-bench

start_node() {  # kind name -> PORT (and its bus port, both free)
  local kind="$1" dir="$WORK/$2" bus
  PORT="$(bench_free_port)"
  bus="$(bench_free_port)"
  mkdir -p "$dir"
  if [ "$kind" = ours ]; then
    printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nsave = ""\nloglevel = "warning"\ncluster-enabled = true\ncluster-port = %s\n' \
      "$PORT" "$dir" "$bus" >"$dir/datanode.toml"
    "$DATANODE" --config "$dir/datanode.toml" >"$dir/log" 2>&1 &
  else
    (cd "$dir" && exec redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
      --cluster-enabled yes --cluster-port "$bus" >"$dir/log" 2>&1) &
  fi
  PIDS+=($!)
  bench_wait "$PORT"
}

wait_check() {  # port...: --cluster check passes from each (30 s at most)
  for p in "$@"; do
    local ok=0
    for _ in $(seq 150); do
      if redis-cli --cluster check "127.0.0.1:$p" >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.2
    done
    [ $ok = 1 ] || { echo "cluster check from $p failed" >&2; return 1; }
  done
}

# The keys as raw RESP SETs, one file per master, by slot owner (CLUSTER SLOTS of the first node).
load_keys() {  # first_port
  $PY - "$1" "$KEYS" "$WORK" <<'PY'
import sys, redis
port, n, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
owner = [0] * 16384
for start, end, master, *_ in redis.Redis(port=port).execute_command('CLUSTER', 'SLOTS'):
    for s in range(start, end + 1):
        owner[s] = master[1]
table = []
for i in range(256):
    crc = i << 8
    for _ in range(8):
        crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    table.append(crc)
def crc16(b):
    crc = 0
    for c in b:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ c]
    return crc
files = {}
for i in range(n):
    k = b'key:%d' % i
    p = owner[crc16(k) % 16384]
    if p not in files:
        files[p] = open(f'{work}/load-{p}.resp', 'wb')
    files[p].write(b'*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nxxxxxxxxxxxxxxxx\r\n' % (len(k), k))
for p, f in files.items():
    f.close()
    print(p)
PY
}

run() {  # kind -> prints "seconds keys_moved worst_latency_ms probe_ops"
  local kind="$1" addrs=() ports=() first
  for i in 0 1 2; do
    start_node "$kind" "$kind$i"
    addrs+=("127.0.0.1:$PORT")
    ports+=("$PORT")
  done
  first="${ports[0]}"
  redis-cli --cluster create "${addrs[@]}" --cluster-yes >"$WORK/$kind-create.log" 2>&1
  wait_check "${ports[@]}"
  for p in $(load_keys "$first"); do
    redis-cli -p "$p" --pipe <"$WORK/load-$p.resp" >"$WORK/$kind-load-$p.log" 2>&1
    rm -f "$WORK/load-$p.resp"
  done
  start_node "$kind" "${kind}new"
  local newport="$PORT" newid
  redis-cli --cluster add-node "127.0.0.1:$newport" "127.0.0.1:$first" >"$WORK/$kind-add.log" 2>&1
  wait_check "${ports[@]}" "$newport"
  newid="$(redis-cli -p "$newport" cluster myid)"
  # Every node must know the new one, and the new master be serving, before the first SETSLOT.
  for _ in $(seq 150); do
    local known=0
    for p in "${ports[@]}"; do redis-cli -p "$p" cluster nodes | grep -q "$newid" && known=$((known + 1)); done
    [ $known = 3 ] && redis-cli -p "$newport" cluster info | grep -q cluster_state:ok && break
    sleep 0.2
  done
  # The probe: GET/SET on random keys until the stop file appears; prints the worst latency (ms) and
  # how many GET+SET pairs it did.
  $PY - "$first" "$KEYS" "$WORK/$kind.stop" >"$WORK/$kind.probe" 2>"$WORK/$kind.probe.err" <<'PY' &
import os, random, sys, time
from redis.cluster import RedisCluster, ClusterNode
rc = RedisCluster(startup_nodes=[ClusterNode('127.0.0.1', int(sys.argv[1]))], cluster_error_retry_attempts=50)
n, stop, worst, ops = int(sys.argv[2]), sys.argv[3], 0.0, 0
while not os.path.exists(stop):
    k = f'key:{random.randrange(n)}'
    t = time.monotonic()
    rc.get(k)
    rc.set(k, 'y' * 16)
    worst = max(worst, time.monotonic() - t)
    ops += 1
print(f'{worst * 1000:.1f} {ops}')
PY
  local probe=$! t0 t1 status=0
  sleep 1
  t0=$(date +%s.%N)
  redis-cli --cluster reshard "127.0.0.1:$first" --cluster-from all --cluster-to "$newid" --cluster-slots "$SLOTS" \
    --cluster-yes --cluster-pipeline "$PIPELINE" >"$WORK/$kind-reshard.log" 2>&1 || status=$?
  t1=$(date +%s.%N)
  touch "$WORK/$kind.stop"
  wait "$probe" || true
  if [ $status != 0 ]; then
    echo "$kind: reshard failed ($status):" >&2
    tail -5 "$WORK/$kind-reshard.log" >&2
  fi
  wait_check "${ports[@]}" "$newport" || echo "$kind: cluster check failed after the reshard" >&2
  local probe_out
  probe_out="$(cat "$WORK/$kind.probe")"
  [ -n "$probe_out" ] || { echo "$kind: the probe failed:" >&2; tail -3 "$WORK/$kind.probe.err" >&2; probe_out="- 0"; }
  echo "$(echo "$t1 - $t0" | bc) $(redis-cli -p "$newport" dbsize) $probe_out"
}

LOAD_BEFORE="$(uptime | sed 's/.*load average: //')"
read -r OS OK OL OO <<<"$(run ours)"
read -r RS RK RL RO <<<"$(run redis)"
LOAD_AFTER="$(uptime | sed 's/.*load average: //')"
echo "== reshard of $SLOTS slots onto a new master, $KEYS keys in the cluster, pipeline $PIPELINE"
echo "load average before: $LOAD_BEFORE, after: $LOAD_AFTER"
printf '%-8s %10s %12s %12s %16s %10s\n' cluster seconds keys_moved keys/s worst_latency_ms probe_ops
printf '%-8s %10.2f %12d %12.0f %16s %10s\n' datanode "$OS" "$OK" "$(echo "$OK / $OS" | bc -l)" "$OL" "$OO"
printf '%-8s %10.2f %12d %12.0f %16s %10s\n' redis "$RS" "$RK" "$(echo "$RK / $RS" | bc -l)" "$RL" "$RO"
printf 'ratio datanode/redis keys/s: %.2f\n' "$(echo "($OK / $OS) / ($RK / $RS)" | bc -l)"
