#!/usr/bin/env bash
# Installs the Debian 12 packages aotd builds and tests with. Idempotent:
# returns at once when everything is already installed.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libboost-graph-dev
  libopenblas-dev libopenblas0-openmp libsleef-dev libdlpack-dev
  python3 python3-numpy python3-dev pybind11-dev
  python3-torch python3-protobuf python3-pytest
  prometheus-cpp-dev openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
use_openmp_blas() {
  # OpenBLAS's OpenMP build for everything (PyTorch included): the pthread
  # build fights OpenMP threads.
  local dir=/usr/lib/x86_64-linux-gnu/openblas-openmp
  [ -e "$dir/libopenblas.so.0" ] || return 0
  $SUDO update-alternatives --set libopenblas.so.0-x86_64-linux-gnu "$dir/libopenblas.so.0" >/dev/null
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$dir/libblas.so.3" >/dev/null
}

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ ${#missing[@]} -eq 0 ]; then
  use_openmp_blas
  exit 0
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
use_openmp_blas
