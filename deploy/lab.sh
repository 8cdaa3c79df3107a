#!/usr/bin/env bash
# The local lab: builds the binaries and runs the stack on 127.0.0.1 under lab/ in the repository.
#   deploy/lab.sh start | stop | status
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LAB=$ROOT/lab
BUILD_DIR=${BUILD_DIR:-build}
MASTER_PORT=${MASTER_PORT:-6379}
PASSWORD=${LAB_PASSWORD:-mypass}

build() {
  deploy/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target datanode sentinel
}

start_datanode() {  # name port extra-toml
  local name=$1 port=$2 extra=$3 dir=$LAB/$1
  mkdir -p "$dir"
  cat >"$dir/datanode.toml" <<TOML
port = $port
bind = ["127.0.0.1"]
dir = "$dir"
requirepass = "$PASSWORD"
masterauth = "$PASSWORD"
$extra
TOML
  "$ROOT/$BUILD_DIR/datanode/datanode" --config "$dir/datanode.toml" >"$dir/datanode.log" 2>&1 &
  echo $! >"$dir/pid"
}

wait_port() {
  for _ in $(seq 1 100); do
    if redis-cli -p "$1" -a "$PASSWORD" --no-auth-warning ping >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not come up" >&2
  return 1
}

cmd_start() {
  build
  cmd_stop >/dev/null 2>&1 || true
  mkdir -p "$LAB"
  start_datanode master "$MASTER_PORT" ""
  wait_port "$MASTER_PORT"
  cat <<TXT
Lab is up on 127.0.0.1:
  master   port $MASTER_PORT  (password: $PASSWORD)   logs: $LAB/master/datanode.log
Try:
  redis-cli -p $MASTER_PORT -a $PASSWORD SET mykey hello
  redis-cli -p $MASTER_PORT -a $PASSWORD GET mykey
Stop it with: deploy/lab.sh stop
TXT
}

cmd_stop() {
  [ -d "$LAB" ] || return 0
  for pidfile in "$LAB"/*/pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  echo "Lab stopped."
}

cmd_status() {
  [ -d "$LAB" ] || { echo "Lab is not running."; return 0; }
  for pidfile in "$LAB"/*/pid; do
    [ -f "$pidfile" ] || continue
    name=$(basename "$(dirname "$pidfile")")
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
