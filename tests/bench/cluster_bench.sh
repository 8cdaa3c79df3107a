#!/usr/bin/env bash
# Benchmark (not a test): a 3-master datanode cluster against a 3-master redis-server 7.0.15 cluster on
# the same machine, same run, both created by `redis-cli --cluster create` on loopback, then
# `redis-benchmark --cluster` against each; prints requests per second and the ratio ours / redis.
# Then the routing cost: one node without cluster mode against the same node in cluster mode serving
# every slot itself (plain redis-benchmark, so only the per-command slot check differs), for both.
#
#   tests/bench/cluster_bench.sh [path/to/datanode]       (default: build/datanode/datanode)
#   N=200000 P=16 C=50 TESTS=set,get tests/bench/cluster_bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATANODE="${1:-$ROOT/build/datanode/datanode}"
N="${N:-200000}"
P="${P:-16}"
C="${C:-50}"
TESTS="${TESTS:-set,get,incr,lpush,sadd,hset,zadd}"
for p in redis-server redis-benchmark redis-cli python3; do
  command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (build it first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/cluster-bench-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A port p with p + 10000 free too (the bus), below the ephemeral range.
free_port() {
  python3 - <<'PY'
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

start_cluster() {  # kind -> FIRST_PORT: a node of the new three-master cluster
  local kind="$1" addrs=()
  for i in 0 1 2; do
    local port dir="$WORK/$kind$i"
    port="$(free_port)"
    mkdir -p "$dir"
    if [ "$kind" = ours ]; then
      printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nsave = ""\nloglevel = "warning"\ncluster-enabled = true\n' \
        "$port" "$dir" > "$dir/datanode.toml"
      "$DATANODE" --config "$dir/datanode.toml" > "$dir/log" 2>&1 &
    else
      (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
        --cluster-enabled yes > "$dir/log" 2>&1) &
    fi
    PIDS+=($!)
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    addrs+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-yes > "$WORK/$kind-create.log" 2>&1
  FIRST_PORT="${addrs[0]#*:}"
  for _ in $(seq 100); do
    redis-cli -p "$FIRST_PORT" cluster info | grep -q cluster_state:ok && break
    sleep 0.1
  done
}

start_single() {  # kind cluster(yes|no) -> SINGLE_PORT
  local kind="$1" cluster="$2" port dir
  port="$(free_port)"
  dir="$WORK/single-$kind-$cluster"
  mkdir -p "$dir"
  if [ "$kind" = ours ]; then
    printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nsave = ""\nloglevel = "warning"\ncluster-enabled = %s\n' \
      "$port" "$dir" "$([ "$cluster" = yes ] && echo true || echo false)" > "$dir/datanode.toml"
    "$DATANODE" --config "$dir/datanode.toml" > "$dir/log" 2>&1 &
  else
    (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
      --cluster-enabled "$cluster" > "$dir/log" 2>&1) &
  fi
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  if [ "$cluster" = yes ]; then
    redis-cli -p "$port" cluster addslotsrange 0 16383 >/dev/null
    for _ in $(seq 100); do
      redis-cli -p "$port" cluster info | grep -q cluster_state:ok && break
      sleep 0.1
    done
  fi
  SINGLE_PORT="$port"
}

plain_bench() {
  redis-benchmark -h 127.0.0.1 -p "$1" -t "$TESTS" -n "$N" -P "$P" -c "$C" -q 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); name=$1; gsub(/ /, "_", name); print name, a[1] }'
}

bench() {
  redis-benchmark --cluster -h 127.0.0.1 -p "$1" -t "$TESTS" -n "$N" -P "$P" -c "$C" -q 2>/dev/null | tr '\r' '\n' |
    awk -F': ' '/requests per second/ { split($2, a, " "); name=$1; gsub(/ /, "_", name); print name, a[1] }'
}

start_cluster ours
OURS="$FIRST_PORT"
start_cluster redis
REDIS="$FIRST_PORT"
bench "$OURS" > "$WORK/ours.txt"
bench "$REDIS" > "$WORK/redis.txt"
echo "== redis-benchmark --cluster -n $N -P $P -c $C, 3 masters each (requests per second)"
printf '%-12s %14s %14s %8s\n' test datanode redis ratio
join <(sort "$WORK/ours.txt") <(sort "$WORK/redis.txt") |
  awk '{ printf "%-12s %14.0f %14.0f %8.2f\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0) }'

echo
echo "== routing cost: one node, cluster mode off vs on (all slots its own), -n $N -P $P -c $C"
for kind in ours redis; do
  start_single "$kind" no
  plain_bench "$SINGLE_PORT" > "$WORK/$kind-plain.txt"
  start_single "$kind" yes
  plain_bench "$SINGLE_PORT" > "$WORK/$kind-cluster.txt"
done
printf '%-12s %12s %12s %8s %12s %12s %8s\n' test ours-off ours-on on/off redis-off redis-on on/off
join <(sort "$WORK/ours-plain.txt") <(sort "$WORK/ours-cluster.txt") |
  join - <(join <(sort "$WORK/redis-plain.txt") <(sort "$WORK/redis-cluster.txt")) |
  awk '{ printf "%-12s %12.0f %12.0f %8.2f %12.0f %12.0f %8.2f\n", $1, $2, $3, ($2 > 0 ? $3 / $2 : 0), $4, $5, ($4 > 0 ? $5 / $4 : 0) }'
