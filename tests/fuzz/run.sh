#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs each one for a while on
# its seed corpus. Exit status 0: no target crashed; 1: a target crashed, leaked, timed out or failed an
# invariant (the input that did it is printed); 2: the targets could not be built.
#
# Usage: tests/fuzz/run.sh [seconds per target, default 5] [target... | all]
#   targets: resp_parser config aof sentinel_info sentinel_hello glob geo restore_payload hll command_keys
#   cluster_bus acl_rules lua_script stream_id nodes_conf datanode_hello (all are the default, and `all`)
#   ctest runs `tests/fuzz/run.sh 5` as the test fuzz_short (label fuzz): about 30 s once built; the
#   first build takes about 2 CPU-minutes (sentinel_hello compiles most of the sentinel).
#   README.md beside this script: campaigns, figures, crash triage.
#
# Longer campaigns: tests/fuzz/run.sh 3600             (an hour per target)
#                   tests/fuzz/run.sh 3600 resp_parser (one target)
# Where things go (nothing is ever written into the repository):
#   $FUZZ_BUILD_DIR (default ./build-fuzz-targets, relative to where you run it; ctest runs it in the
#   build directory)            the clang build of the targets
#   $FUZZ_BUILD_DIR/corpus/<target>/   the working corpus: inputs libFuzzer found interesting, kept
#                               between runs so campaigns build on each other (seeds stay read-only in
#                               tests/fuzz/corpus/<target>/; copy a valuable input there by hand)
#   $FUZZ_BUILD_DIR/crashes/<target>-crash-<sha1> (also leak-, timeout-, oom-)   reproducers
#   $FUZZ_BUILD_DIR/logs/<target>.log  the full libFuzzer output of the last run
# Reproduce a crash: $FUZZ_BUILD_DIR/<target>_fuzz <reproducer file>
# FUZZ_JOBS (default 2) sets the build parallelism. FUZZ_OPT (default -O0, which compiles fast) sets the
# optimization of the fuzz build; for long campaigns use a build of its own with -O1 (faster runs):
#   FUZZ_OPT=-O1 FUZZ_BUILD_DIR=build-fuzz-o1 tests/fuzz/run.sh 3600
# The first run builds the targets (about 2 minutes of CPU); later runs only rebuild what changed.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER_TARGET=${1:-5}
shift || true
TARGETS=("$@")
ALL_TARGETS=(resp_parser config aof sentinel_info sentinel_hello glob geo restore_payload hll command_keys
             cluster_bus acl_rules lua_script stream_id nodes_conf datanode_hello)
if [ ${#TARGETS[@]} -eq 0 ] || [ "${TARGETS[*]}" = all ]; then TARGETS=("${ALL_TARGETS[@]}"); fi
BUILD=${FUZZ_BUILD_DIR:-$PWD/build-fuzz-targets}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)

if ! command -v clang++ >/dev/null; then
  echo "clang++ not found: cannot build the fuzz targets" >&2
  exit 2
fi

GENERATOR=()
if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CONFIGURE=(-S "$SRC/tests/fuzz" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_CXX_COMPILER=clang++)
else
  CONFIGURE=(-S "$SRC/tests/fuzz" -B "$BUILD")
fi
if ! cmake "${CONFIGURE[@]}" -DFUZZ_OPT="${FUZZ_OPT:--O0}" >"$BUILD/configure.log" 2>&1; then
  cat "$BUILD/configure.log" >&2
  exit 2
fi
BUILD_TARGETS=()
for t in "${TARGETS[@]}"; do BUILD_TARGETS+=("${t}_fuzz"); done
if ! nice cmake --build "$BUILD" -j "${FUZZ_JOBS:-2}" --target "${BUILD_TARGETS[@]}" >"$BUILD/build.log" 2>&1; then
  tail -50 "$BUILD/build.log" >&2
  exit 2
fi

mkdir -p "$BUILD/crashes" "$BUILD/logs"
failed=0
for t in "${TARGETS[@]}"; do
  seeds="$SRC/tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"
  log="$BUILD/logs/$t.log"
  mkdir -p "$work"
  # The first corpus directory receives new inputs; the seeds are only read.
  nice "$BUILD/${t}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t-" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    failed=1
    echo "FAIL $t (exit $rc) after ${runs:-?} runs; log: $log"
    grep -aE "ERROR: |invariant failed|does not load:|SUMMARY:|runtime error" "$log" | head -20
    grep -o "Test unit written to .*" "$log" | sed 's/^Test unit written to /reproducer: /'
    echo "reproduce with: $BUILD/${t}_fuzz <reproducer>"
  else
    echo "ok   $t: ${runs:-?} runs in ${SECONDS_PER_TARGET}s, corpus $(ls "$work" | wc -l) files"
  fi
done
exit $failed
