# Shared by the benchmark scripts (sourced, not run): tool checks, a free port, a work directory that
# is removed with every process the script started, and one datanode and one redis-server side by side.
# redis-server starts through `exec` in its subshell, so the PID kept is the server's own.

bench_require() {  # program... : exits when one is missing
  for p in "$@"; do
    command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
  done
  [ -x "$DATANODE" ] || { echo "no datanode binary at $DATANODE (build it first)" >&2; exit 1; }
}

bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_workdir() {  # name -> WORK, PIDS, and a trap that stops PIDS and removes WORK
  WORK="$(mktemp -d "/tmp/$1-XXXXXX")"
  PIDS=()
  trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

bench_wait() {  # port: until it answers PING (10 s at most)
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

bench_start_pair() {  # [extra datanode TOML lines] -> OUR_PORT, REDIS_PORT, both answering
  OUR_PORT="$(bench_free_port)"
  REDIS_PORT="$(bench_free_port)"
  printf 'port = %s\nbind = ["127.0.0.1"]\ndir = "%s"\nappendonly = false\nloglevel = "warning"\n%s\n' \
    "$OUR_PORT" "$WORK" "${1:-}" > "$WORK/datanode.toml"
  "$DATANODE" --config "$WORK/datanode.toml" > "$WORK/datanode.log" 2>&1 &
  PIDS+=($!)
  (cd "$WORK" && exec redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel warning > "$WORK/redis.log" 2>&1) &
  PIDS+=($!)
  bench_wait "$OUR_PORT"
  bench_wait "$REDIS_PORT"
}
