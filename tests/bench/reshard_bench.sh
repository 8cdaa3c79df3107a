#!/usr/bin/env bash
# Benchmark (not a test): live resharding, a datanode cluster against a redis-server 7.0.15 cluster in
# the same run. Each: three masters by `redis-cli --cluster create`, KEYS string keys spread over every
# slot, a fourth empty master by `--cluster add-node`, then `--cluster reshard` of SLOTS slots onto it
# while a client (python3-redis RedisCluster) keeps reading and writing and records its worst latency.
# Prints time, keys moved and keys/s for each and the ratio ours / redis. Numbers on a loaded machine
# are noisy: compare the ratio, not the absolute figures.
#
#   tests/bench/reshard_bench.sh [path/to/datanode]       (default: build/datanode/datanode)
#   KEYS=1000000 SLOTS=4000 PIPELINE=100 tests/bench/reshard_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
KEYS="${KEYS:-200000}"
SLOTS="${SLOTS:-4000}"
PIPELINE="${PIPELINE:-100}"
PY=/usr/bin/python3
for p in redis-server redis-cli; do command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }; done
$PY -c 'import redis.cluster' 2>/dev/null || { echo "missing python3-redis" >&2; exit 1; }
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (build it first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/reshard-bench-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  $PY - <<'PY'
import random, socket
while True:
    p = random.randint(12000, 22000)
    ok = True
    for q in (p, p + 10000):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p)
        break
PY
}

start_node() {  # kind name -> PORT
  local kind="$1" dir="$WORK/$2"
  PORT="$(free_port)"
  mkdir -p "$dir"
  if [ "$kind" = ours ]; then
    printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nsave = ""\nloglevel = "warning"\ncluster-enabled = true\n' \
      "$PORT" "$dir" >"$dir/datanode.toml"
    (exec "$DATANODE" --config "$dir/datanode.toml" >"$dir/log" 2>&1) &
  else
    (cd "$dir" && exec redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
      --cluster-enabled yes >"$dir/log" 2>&1) &
  fi
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

wait_check() {
  for _ in $(seq 150); do redis-cli --cluster check "127.0.0.1:$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

run() {  # kind -> prints "seconds keys_moved worst_latency_ms"
  local kind="$1" addrs=() first
  for i in 0 1 2; do
    start_node "$kind" "$kind$i"
    addrs+=("127.0.0.1:$PORT")
  done
  first="${addrs[0]#*:}"
  redis-cli --cluster create "${addrs[@]}" --cluster-yes >"$WORK/$kind-create.log" 2>&1
  wait_check "$first"
  $PY - "$first" "$KEYS" <<'PY'
import sys
from redis.cluster import RedisCluster, ClusterNode
rc = RedisCluster(startup_nodes=[ClusterNode('127.0.0.1', int(sys.argv[1]))])
n = int(sys.argv[2])
for start in range(0, n, 5000):
    p = rc.pipeline()
    for i in range(start, min(n, start + 5000)):
        p.set(f'key:{i}', 'x' * 16)
    p.execute()
PY
  start_node "$kind" "${kind}new"
  local newport="$PORT" newid
  redis-cli --cluster add-node "127.0.0.1:$newport" "127.0.0.1:$first" >"$WORK/$kind-add.log" 2>&1
  wait_check "$first"
  newid="$(redis-cli -p "$newport" cluster myid)"
  # The probe: GET/SET on random keys until the stop file appears; prints the worst latency in ms.
  $PY - "$first" "$KEYS" "$WORK/$kind.stop" >"$WORK/$kind.probe" <<'PY' &
import os, random, sys, time
from redis.cluster import RedisCluster, ClusterNode
rc = RedisCluster(startup_nodes=[ClusterNode('127.0.0.1', int(sys.argv[1]))], cluster_error_retry_attempts=50)
n, stop, worst = int(sys.argv[2]), sys.argv[3], 0.0
while not os.path.exists(stop):
    k = f'key:{random.randrange(n)}'
    t = time.monotonic()
    rc.get(k)
    rc.set(k, 'y' * 16)
    worst = max(worst, time.monotonic() - t)
print(f'{worst * 1000:.1f}')
PY
  local probe=$!
  local t0 t1
  t0=$(date +%s.%N)
  redis-cli --cluster reshard "127.0.0.1:$first" --cluster-from all --cluster-to "$newid" --cluster-slots "$SLOTS" \
    --cluster-yes --cluster-pipeline "$PIPELINE" >"$WORK/$kind-reshard.log" 2>&1
  t1=$(date +%s.%N)
  touch "$WORK/$kind.stop"
  wait "$probe"
  echo "$(echo "$t1 - $t0" | bc) $(redis-cli -p "$newport" dbsize) $(cat "$WORK/$kind.probe")"
}

read -r OS OK OL <<<"$(run ours)"
read -r RS RK RL <<<"$(run redis)"
echo "== reshard of $SLOTS slots onto a new master, $KEYS keys in the cluster, pipeline $PIPELINE"
printf '%-8s %10s %12s %12s %16s\n' cluster seconds keys_moved keys/s worst_latency_ms
printf '%-8s %10.2f %12d %12.0f %16s\n' datanode "$OS" "$OK" "$(echo "$OK / $OS" | bc -l)" "$OL"
printf '%-8s %10.2f %12d %12.0f %16s\n' redis "$RS" "$RK" "$(echo "$RK / $RS" | bc -l)" "$RL"
printf 'ratio datanode/redis keys/s: %.2f\n' "$(echo "($OK / $OS) / ($RK / $RS)" | bc -l)"
