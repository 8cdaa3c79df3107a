#!/usr/bin/env bash
# Installs what building, testing and running the stack needs, from Debian's packages. Quiet and quick
# when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  libuv1-dev libhiredis-dev libtoml11-dev prometheus-cpp-dev libabsl-dev libgtest-dev libssl-dev
  redis-server redis-tools redis-sentinel python3 python3-redis
  curl prometheus systemd iproute2 clang libjemalloc-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages start system-wide redis services where systemd runs; the project never uses them.
for svc in redis-server redis-sentinel prometheus; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
