#!/usr/bin/env bash
# The fault suite in one command: builds fault_suite (and the binaries), then runs the same seeded
# schedule of kills, stops and partitions against our datanode + sentinel and against real redis-server +
# redis-sentinel, in both durability modes, and prints one table of what was lost.
#
# Usage: tests/fault/run.sh [short|full|custom|cluster]
#   short   ours only: sync mode must lose nothing and complete every failover; async mode must not
#           duplicate, reorder or resurrect refused writes. About a minute; ctest runs it as fault_short.
#   full    ours and redis x sync and async, KILLS (default 100) process faults and PARTITIONS
#           (default 20) network partitions each, same SEED for all four. Allow 15-25 minutes per run.
#   custom  like full with your KILLS / PARTITIONS / SEED / FLAVOURS / MODES.
#   cluster the cluster campaign (fault_cluster): a 3x2 Redis Cluster, node-timeout 2000, CLUSTER_FAULTS
#           (default 12) faults on masters (SIGKILL + restart, SIGSTOP + SIGCONT, a cut from the other
#           nodes in network namespaces), ours and redis x sync and async; one table. Short form: the last
#           step of `short` (ours, sync, 3 faults, zero loss and every failover required).
# Env: BUILD_DIR (default build), SEED (1), KILLS, PARTITIONS, FLAVOURS ("ours redis"), MODES
#      ("sync async"), NET (auto: network namespaces when root and `ip netns` work, else loopback with
#      no partitions), OUT (directory for the JSON results, default $BUILD_DIR/fault-results).
# Modes: sync  = appendfsync always, min-replicas-to-write 1 (max lag 2 s), every write followed by
#                WAIT 1 1000 and counted only when WAIT says 1 replica has it: the zero-loss setup.
#        async = appendfsync everysec, no WAIT, no min-replicas: Redis' default trade-off.
# Exit status: 0 all checks passed, 1 a check failed, 2 could not run.
set -euo pipefail
cd "$(dirname "$0")/../.."
form=${1:-short}
BUILD_DIR=${BUILD_DIR:-build}
SEED=${SEED:-1}
NET=${NET:-auto}
OUT=${OUT:-$BUILD_DIR/fault-results}

if [[ ! -x "$BUILD_DIR/tests/fault_suite" || "${FAULT_REBUILD:-1}" == 1 ]]; then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    deploy/install-deps.sh
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target fault_suite fault_cluster datanode sentinel >/dev/null
fi
suite=$BUILD_DIR/tests/fault_suite
mkdir -p "$OUT"

case "$form" in
  short)
    "$suite" --flavour ours --net "$NET" --mode sync --kills "${KILLS:-4}" --partitions "${PARTITIONS:-1}" \
      --seed "$SEED" --expect-zero-loss --require-failovers --json "$OUT/short-ours-sync.json"
    "$suite" --flavour ours --net "$NET" --mode async --kills "${KILLS:-2}" --partitions "${PARTITIONS:-1}" \
      --seed "$SEED" --json "$OUT/short-ours-async.json"
    "$BUILD_DIR/tests/fault_cluster" --flavour ours --net "$NET" --mode sync --faults "${CLUSTER_FAULTS:-3}" \
      --seed "$SEED" --expect-zero-loss --require-failovers --json "$OUT/short-cluster-ours-sync.json"
    exit 0 ;;
  cluster)
    status=0
    for flavour in ${FLAVOURS:-ours redis}; do
      for mode in ${MODES:-sync async}; do
        echo "== cluster $flavour / $mode: ${CLUSTER_FAULTS:-12} faults, seed $SEED" >&2
        "$BUILD_DIR/tests/fault_cluster" --flavour "$flavour" --net "$NET" --mode "$mode" \
          --faults "${CLUSTER_FAULTS:-12}" --seed "$SEED" --json "$OUT/cluster-$flavour-$mode.json" || status=1
      done
    done
    python3 - "$OUT" <<'PY'
import json, pathlib, sys
head = ("flavour", "mode", "net", "faults", "failovers", "mean ms to writable", "max ms", "acked", "LOST",
        "dup+reord", "minority accepts mean/max ms", "minority lost")
print(" | ".join(head))
for p in sorted(pathlib.Path(sys.argv[1]).glob("cluster-*.json")):
    r = json.loads(p.read_text()); f = r["findings"]
    print(" | ".join(str(x) for x in (r["flavour"], r["mode"], r["net"], r["faults"],
          f"{r['failovers_completed']}/{r['faults']}", r["writable_ms_mean"], r["writable_ms_max"], f["acknowledged"],
          f["lost"], f["duplicated"] + f["reordered"], f"{r['minority_accept_ms_mean']}/{r['minority_accept_ms_max']}",
          r["minority_lost"])))
PY
    exit $status ;;
  full|custom) ;;
  *) echo "usage: $0 [short|full|custom|cluster]" >&2; exit 2 ;;
esac

KILLS=${KILLS:-100}
PARTITIONS=${PARTITIONS:-20}
status=0
for flavour in ${FLAVOURS:-ours redis}; do
  for mode in ${MODES:-sync async}; do
    echo "== $flavour / $mode: $KILLS process faults, $PARTITIONS partitions, seed $SEED" >&2
    extra=()
    # Only our stack promises zero loss in sync mode; for real Redis the figures are the point.
    [[ "$flavour" == ours && "$mode" == sync ]] && extra=(--expect-zero-loss)
    "$suite" --flavour "$flavour" --net "$NET" --mode "$mode" --kills "$KILLS" --partitions "$PARTITIONS" \
      --seed "$SEED" "${extra[@]}" --json "$OUT/$flavour-$mode.json" || status=1
  done
done

python3 - "$OUT" <<'PY'
import json, pathlib, sys
rows = []
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    if p.name.startswith("short-"): continue
    r = json.loads(p.read_text()); f = r["findings"]
    rows.append((r["flavour"], r["mode"], r["net"], r["faults"], f"{r['failovers_completed']}/{r['failovers_expected']}",
                 r.get("failover_ms_mean", "?"), r["failover_ms_max"], f["acknowledged"], f["lost"],
                 f["duplicated"] + f["reordered"], len(f["split_brain"]), f["split_brain_ms"], r.get("fenced_refusals", 0)))
head = ("flavour", "mode", "net", "faults", "failovers", "mean ms", "max ms", "acked", "LOST", "dup+reord", "sb windows",
        "sb ms", "fenced")
print(" | ".join(head))
for row in rows: print(" | ".join(str(x) for x in row))
PY
exit $status
