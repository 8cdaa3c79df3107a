#!/usr/bin/env bash
# Replication benchmark (not a test): full-sync time of a replica joining a master holding N keys, and
# SET throughput of a master with two replicas attached; datanode and real redis-server side by side,
# same machine, same run. Usage: tests/bench/replication_bench.sh [build-dir] [keys]
set -euo pipefail

BUILD=${1:-build}
KEYS=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATANODE=$ROOT/$BUILD/datanode/datanode
[ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (build first)"; exit 1; }
for p in redis-server redis-cli redis-benchmark python3; do
  command -v $p >/dev/null || { echo "$p is required"; exit 1; }
done

WORK=$(mktemp -d /tmp/repl-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
now_ms() { date +%s%3N; }

# start_node KIND PORT DIR [replicaof-port]  -> pid on stdout
start_node() {
  local kind=$1 port=$2 dir=$3 master=${4:-}
  mkdir -p "$dir"
  if [ "$kind" = datanode ]; then
    local args=(--port "$port" --dir "$dir" --logfile "$dir/log")
    [ -n "$master" ] && args+=(--replicaof "127.0.0.1 $master")
    "$DATANODE" "${args[@]}" >/dev/null 2>&1 &
  else
    local args=(--port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no --logfile "$dir/log"
                --repl-diskless-sync-delay 0)
    [ -n "$master" ] && args+=(--replicaof 127.0.0.1 "$master")
    redis-server "${args[@]}" >/dev/null 2>&1 &
  fi
  echo $!
}

DATA=$WORK/data.resp
python3 - "$KEYS" > "$DATA" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    k = "key:%d" % i
    v = "value-%d-xxxxxxxxxxxxxxxx" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

declare -A SYNC_MS THROUGHPUT
for kind in datanode redis; do
  mp=$(free_port); mpid=$(start_node $kind "$mp" "$WORK/$kind-master"); PIDS+=("$mpid"); wait_port "$mp"
  redis-cli -p "$mp" --pipe < "$DATA" >/dev/null
  [ "$(redis-cli -p "$mp" DBSIZE)" = "$KEYS" ] || { echo "$kind master did not load $KEYS keys"; exit 1; }

  # Full sync: from REPLICAOF until the replica reports the link up with every key.
  rp=$(free_port); rpid=$(start_node $kind "$rp" "$WORK/$kind-r1"); PIDS+=("$rpid"); wait_port "$rp"
  t0=$(now_ms)
  redis-cli -p "$rp" REPLICAOF 127.0.0.1 "$mp" >/dev/null
  for _ in $(seq 1 1200); do
    if redis-cli -p "$rp" INFO replication | grep -q 'master_link_status:up' &&
       [ "$(redis-cli -p "$rp" DBSIZE)" = "$KEYS" ]; then break; fi
    sleep 0.05
  done
  SYNC_MS[$kind]=$(( $(now_ms) - t0 ))

  # Throughput with two replicas attached.
  rp2=$(free_port); rpid2=$(start_node $kind "$rp2" "$WORK/$kind-r2" "$mp"); PIDS+=("$rpid2"); wait_port "$rp2"
  for _ in $(seq 1 1200); do
    redis-cli -p "$rp2" INFO replication | grep -q 'master_link_status:up' && break
    sleep 0.05
  done
  THROUGHPUT[$kind]=$(redis-benchmark -p "$mp" -t set -n 300000 -c 50 -P 16 -r 1000000 -q 2>/dev/null |
                      tr '\r' '\n' | grep -o 'SET: [0-9.]*' | tail -1 | awk '{print $2}')
  sleep 1
  m_off=$(redis-cli -p "$mp" INFO replication | grep '^master_repl_offset:' | cut -d: -f2 | tr -d '\r')
  r_off=$(redis-cli -p "$rp2" INFO replication | grep '^slave_repl_offset:' | cut -d: -f2 | tr -d '\r')
  echo "$kind: master offset $m_off, replica offset $r_off after the run"
  for pid in "$mpid" "$rpid" "$rpid2"; do kill -9 "$pid" 2>/dev/null || true; done
done

echo
printf "%-10s %18s %26s\n" "server" "full sync ${KEYS} keys" "SET/s with 2 replicas (P16)"
for kind in datanode redis; do
  printf "%-10s %15s ms %26s\n" "$kind" "${SYNC_MS[$kind]}" "${THROUGHPUT[$kind]}"
done
