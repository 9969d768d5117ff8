#!/usr/bin/env bash
# Installs what tenet needs (Debian packages only) and builds it in Release.
# Usage: scripts/setup.sh            -> install missing packages, configure, build
# Environment: TENET_BUILD_DIR (default: build), TENET_BUILD_TYPE (default: Release)
set -euo pipefail
cd "$(dirname "$0")/.."

# libdnnl-dev's CMake config asks for OpenCL, hence the OpenCL headers and loader. OpenMPI
# (libopenmpi-dev, openmpi-bin: mpirun) enables the data-parallel fit (docs/distributed.md).
packages=(build-essential cmake pkg-config libdnnl-dev libopenblas-dev libhdf5-dev
          doctest-dev libcli11-dev libpng-dev libturbojpeg0-dev zlib1g-dev libzip-dev nlohmann-json3-dev ocl-icd-opencl-dev opencl-c-headers dataset-fashion-mnist graphviz hdf5-tools
          libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "tenet setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build_dir=${TENET_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${TENET_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
