#!/usr/bin/env bash
# Builds everything from scratch in build/ and runs every test (unit and integration) with ctest.
# Usage: tests/run.sh [extra ctest arguments], e.g. tests/run.sh -L unit
# BUILD_TYPE (default RelWithDebInfo; Release works too), BUILD_DIR (default build) and CMAKE_ARGS pick
# the build; warnings are errors here (WARNINGS_AS_ERRORS=ON), as in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DWARNINGS_AS_ERRORS=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
