#!/usr/bin/env bash
# The local lab: one master, two replicas (replica-priority 100 and 90) and three sentinels (quorum 2),
# all on 127.0.0.1 with a password, each with its Prometheus endpoint. It builds what it needs first.
#
#   deploy/lab.sh start     build, start everything, print the walk-through
#   deploy/lab.sh status    what runs, and the sentinels' view of the master
#   deploy/lab.sh stop      stop everything the lab started (by PID) and leave nothing running
#   deploy/lab.sh cluster start|status|stop
#                           a Redis Cluster of six datanodes (three masters, three replicas) made by
#                           `redis-cli --cluster create`, under LAB_CLUSTER_DIR (default lab-cluster/) on
#                           LAB_CLUSTER_PORT.. (default 7000-7005, bus ports +10000), same password
#   deploy/lab.sh cluster reshard
#                           on the running cluster lab: a seventh datanode (port +6) joins with
#                           `--cluster add-node`, 1000 slots move onto it with `--cluster reshard` while
#                           keys are in them, then `--cluster rebalance`; prints the progress counters
#
# Ports and places can be moved with environment variables (tests use them): LAB_DIR, LAB_BASE_PORT
# (datanodes on BASE, BASE+1, BASE+2), LAB_SENTINEL_PORT (three from there), LAB_METRICS_PORT (six from
# there), LAB_PASSWORD, BUILD_DIR, LAB_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LAB=${LAB_DIR:-$ROOT/lab}
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
BASE=${LAB_BASE_PORT:-6379}
SENTINEL_BASE=${LAB_SENTINEL_PORT:-26379}
METRICS_BASE=${LAB_METRICS_PORT:-9121}
PASSWORD=${LAB_PASSWORD:-mypass}
CLI="redis-cli -a $PASSWORD --no-auth-warning"

build() {
  [ "${LAB_SKIP_BUILD:-0}" = 1 ] && return 0
  deploy/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target datanode sentinel
}

start_datanode() {  # name port metrics-port priority [replicaof-port]
  local name=$1 port=$2 mport=$3 prio=$4 upstream=${5:-} dir=$LAB/$1
  mkdir -p "$dir"
  {
    echo "# Lab $name (written by deploy/lab.sh)"
    echo "port = $port"
    echo "bind = [\"127.0.0.1\"]"
    echo "dir = \"$dir\""
    echo "requirepass = \"$PASSWORD\""
    echo "masterauth = \"$PASSWORD\""
    echo "replica-priority = $prio"
    echo "appendonly = true"
    echo "repl-diskless-sync-delay = 0"
    echo "metrics-port = $mport"
    [ -n "$upstream" ] && echo "replicaof = \"127.0.0.1 $upstream\""
  } >"$dir/datanode.toml"
  "$BUILD_DIR/datanode/datanode" --config "$dir/datanode.toml" >>"$dir/datanode.log" 2>&1 &
  echo $! >"$dir/pid"
}

start_sentinel() {  # name port metrics-port
  local name=$1 port=$2 mport=$3 dir=$LAB/$1
  mkdir -p "$dir"
  if [ ! -f "$dir/sentinel.toml" ]; then
    cat >"$dir/sentinel.toml" <<TOML
# Lab $name (written by deploy/lab.sh; the sentinel rewrites it as it learns the topology)
port = $port
bind = ["127.0.0.1"]
dir = "$dir"
metrics-port = $mport

[[monitor]]
name = "mymaster"
host = "127.0.0.1"
port = $BASE
quorum = 2
auth-pass = "$PASSWORD"
down-after-milliseconds = 5000
parallel-syncs = 1
failover-timeout = 60000
TOML
  fi
  "$BUILD_DIR/sentinel/sentinel" --config "$dir/sentinel.toml" >>"$dir/sentinel.log" 2>&1 &
  echo $! >"$dir/pid"
}

wait_port() {  # port [password]
  for _ in $(seq 1 100); do
    if redis-cli -p "$1" ${2:+-a "$2"} --no-auth-warning ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not come up" >&2
  return 1
}

cmd_start() {
  build
  cmd_stop >/dev/null 2>&1 || true
  rm -rf "$LAB"
  mkdir -p "$LAB"
  start_datanode master $BASE $METRICS_BASE 100
  wait_port $BASE "$PASSWORD"
  start_datanode replica1 $((BASE + 1)) $((METRICS_BASE + 1)) 100 $BASE
  start_datanode replica2 $((BASE + 2)) $((METRICS_BASE + 2)) 90 $BASE
  wait_port $((BASE + 1)) "$PASSWORD"
  wait_port $((BASE + 2)) "$PASSWORD"
  for i in 0 1 2; do
    start_sentinel sentinel$((i + 1)) $((SENTINEL_BASE + i)) $((METRICS_BASE + 3 + i))
  done
  for i in 0 1 2; do wait_port $((SENTINEL_BASE + i)); done
  cat <<TXT
Lab is up on 127.0.0.1 (password: $PASSWORD), files and logs under $LAB:
  master     port $BASE        metrics http://127.0.0.1:$METRICS_BASE/metrics
  replica1   port $((BASE + 1))        replica-priority 100, metrics :$((METRICS_BASE + 1))
  replica2   port $((BASE + 2))        replica-priority 90,  metrics :$((METRICS_BASE + 2))
  sentinels  ports $SENTINEL_BASE $((SENTINEL_BASE + 1)) $((SENTINEL_BASE + 2)) (quorum 2), metrics :$((METRICS_BASE + 3))-$((METRICS_BASE + 5))

Walk-through (seed §9-§10):
  $CLI -p $BASE SET mykey 10                       # on the master
  $CLI -p $((BASE + 1)) GET mykey                          # on a replica: "10"
  $CLI -p $BASE INFO replication                   # role:master, connected_slaves:2
  redis-cli -p $SENTINEL_BASE SENTINEL masters
  redis-cli -p $SENTINEL_BASE SENTINEL replicas mymaster
  redis-cli -p $SENTINEL_BASE SENTINEL failover mymaster             # replica2 (priority 90) takes over
  redis-cli -p $SENTINEL_BASE SENTINEL get-master-addr-by-name mymaster
  $CLI -p $((BASE + 2)) INFO replication                   # role:master on the new master
  curl -s http://127.0.0.1:$((METRICS_BASE + 3))/metrics | grep sentinel_failovers
Or kill the master and watch the sentinels fail over on their own:
  kill -9 \$(cat $LAB/master/pid)
Status: deploy/lab.sh status    Stop: deploy/lab.sh stop
TXT
}

cmd_stop() {
  [ -d "$LAB" ] || { echo "Lab is not running."; return 0; }
  local pids=()
  for pidfile in "$LAB"/*/pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$pidfile"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  echo "Lab stopped."
}

cmd_status() {
  [ -d "$LAB" ] || { echo "Lab is not running."; return 0; }
  for pidfile in "$LAB"/*/pid; do
    [ -f "$pidfile" ] || continue
    name=$(basename "$(dirname "$pidfile")")
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
  done
  echo "master according to the sentinels:"
  for i in 0 1 2; do
    echo "  :$((SENTINEL_BASE + i)) -> $(redis-cli -p $((SENTINEL_BASE + i)) SENTINEL get-master-addr-by-name mymaster 2>/dev/null | tr '\n' ' ')"
  done
}

CLUSTER_LAB=${LAB_CLUSTER_DIR:-$ROOT/lab-cluster}
CLUSTER_BASE=${LAB_CLUSTER_PORT:-7000}

cmd_cluster_start() {
  build
  LAB=$CLUSTER_LAB cmd_stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_LAB"
  mkdir -p "$CLUSTER_LAB"
  local addrs=""
  for i in 0 1 2 3 4 5; do
    local port=$((CLUSTER_BASE + i)) dir=$CLUSTER_LAB/node$i
    mkdir -p "$dir"
    cat >"$dir/datanode.toml" <<TOML
# Lab cluster node$i (written by deploy/lab.sh)
port = $port
bind = ["127.0.0.1"]
dir = "$dir"
requirepass = "$PASSWORD"
masterauth = "$PASSWORD"
appendonly = true
cluster-enabled = true
cluster-node-timeout = 5000
TOML
    "$BUILD_DIR/datanode/datanode" --config "$dir/datanode.toml" >>"$dir/datanode.log" 2>&1 &
    echo $! >"$dir/pid"
    addrs="$addrs 127.0.0.1:$port"
  done
  for i in 0 1 2 3 4 5; do wait_port $((CLUSTER_BASE + i)) "$PASSWORD"; done
  # shellcheck disable=SC2086
  $CLI --cluster create $addrs --cluster-replicas 1 --cluster-yes >"$CLUSTER_LAB/create.log" 2>&1 ||
    { cat "$CLUSTER_LAB/create.log" >&2; return 1; }
  # Masters accept writes once every node reports cluster_state:ok (Redis waits a moment after start too).
  for i in 0 1 2 3 4 5; do
    for _ in $(seq 1 100); do
      $CLI -p $((CLUSTER_BASE + i)) CLUSTER INFO 2>/dev/null | grep -q "cluster_state:ok" && break
      sleep 0.1
    done
  done
  cat <<TXT
Cluster lab is up: six datanodes on 127.0.0.1:$CLUSTER_BASE-$((CLUSTER_BASE + 5)) (password: $PASSWORD), files under $CLUSTER_LAB
  $CLI --cluster check 127.0.0.1:$CLUSTER_BASE
  $CLI -c -p $CLUSTER_BASE SET foo bar               # follows -MOVED to the owner of slot 12182
  $CLI -c -p $CLUSTER_BASE GET foo
  $CLI -p $CLUSTER_BASE CLUSTER NODES
Status: deploy/lab.sh cluster status    Stop: deploy/lab.sh cluster stop
TXT
}

# The resharding walk-through: grow the running cluster lab by one master and move slots onto it.
cmd_cluster_reshard() {
  [ -f "$CLUSTER_LAB/node0/pid" ] || { echo "Start the cluster lab first: $0 cluster start" >&2; return 1; }
  local i=6 port=$((CLUSTER_BASE + 6)) dir=$CLUSTER_LAB/node6
  mkdir -p "$dir"
  cat >"$dir/datanode.toml" <<TOML
# Lab cluster node$i, added by the reshard walk-through (written by deploy/lab.sh)
port = $port
bind = ["127.0.0.1"]
dir = "$dir"
requirepass = "$PASSWORD"
masterauth = "$PASSWORD"
appendonly = true
cluster-enabled = true
cluster-node-timeout = 5000
TOML
  "$BUILD_DIR/datanode/datanode" --config "$dir/datanode.toml" >>"$dir/datanode.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_port "$port" "$PASSWORD"
  echo "== 10,000 keys across every slot (redis-cli -c follows MOVED)"
  for n in $(seq 1 10000); do echo "SET key:$n $n"; done | $CLI -c -p "$CLUSTER_BASE" >/dev/null
  echo "== add-node 127.0.0.1:$port"
  $CLI --cluster add-node "127.0.0.1:$port" "127.0.0.1:$CLUSTER_BASE"
  for _ in $(seq 1 100); do
    $CLI --cluster check "127.0.0.1:$CLUSTER_BASE" >/dev/null 2>&1 && break
    sleep 0.2
  done
  local id
  id=$($CLI -p "$port" CLUSTER MYID)
  echo "== reshard 1000 slots onto $id"
  $CLI --cluster reshard "127.0.0.1:$CLUSTER_BASE" --cluster-from all --cluster-to "$id" --cluster-slots 1000 \
    --cluster-yes --cluster-pipeline 100 | tail -3
  echo "== rebalance"
  $CLI --cluster rebalance "127.0.0.1:$CLUSTER_BASE" --cluster-pipeline 100 | tail -3
  echo "== progress counters (INFO cluster) of the first master"
  $CLI -p "$CLUSTER_BASE" INFO cluster
  $CLI --cluster check "127.0.0.1:$CLUSTER_BASE"
  local moved
  moved=$($CLI -p "$port" DBSIZE)
  cat <<TXT
The new master holds $moved keys. Try during a move:
  $CLI -p $CLUSTER_BASE CLUSTER NODES | grep myself     # [slot->-id] while a slot is migrating
  $CLI -c -p $port GET key:1                            # -ASK/-MOVED followed by redis-cli -c
TXT
}

cmd_cluster_status() {
  LAB=$CLUSTER_LAB
  [ -d "$LAB" ] || { echo "Cluster lab is not running."; return 0; }
  for pidfile in "$LAB"/*/pid; do
    [ -f "$pidfile" ] || continue
    name=$(basename "$(dirname "$pidfile")")
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
  done
  $CLI -p "$CLUSTER_BASE" CLUSTER INFO 2>/dev/null | head -7 || true
}

case "${1:-start}" in
  cluster)
    case "${2:-start}" in
      start) cmd_cluster_start ;;
      stop) LAB=$CLUSTER_LAB cmd_stop ;;
      status) cmd_cluster_status ;;
      reshard) cmd_cluster_reshard ;;
      *) echo "usage: $0 cluster start|status|stop|reshard" >&2; exit 2 ;;
    esac
    ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|status|stop | cluster start|status|stop" >&2; exit 2 ;;
esac
