#!/usr/bin/env bash
# Builds tenet (or the given targets) in ./build, one build at a time on this machine:
# a lock file serialises concurrent invocations so two builds never share the 2 cores.
# Usage: scripts/build.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TENET_BUILD_DIR:-build}
exec 9>/tmp/tenet-build.lock
flock 9
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
if (($#)); then
  for t in "$@"; do cmake --build "$build_dir" -j2 --target "$t"; done
else
  cmake --build "$build_dir" -j2
fi
