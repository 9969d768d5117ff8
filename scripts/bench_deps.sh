#!/usr/bin/env bash
# Installs what the comparison benchmarks need beyond tenet's own dependencies
# (benchmarks/README.md), then builds them:
#   libtorch-dev (Debian, libtorch 1.13)  -> build/benchmarks/train_bench_torch
#   with --keras: tensorflow-cpu and keras (PyPI) in a venv at build/keras-venv
#                                          -> scripts/bench_keras.py runs with its python
# Usage: scripts/bench_deps.sh [--keras] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
keras=0 build=1
for a in "$@"; do
  case $a in
    --keras) keras=1 ;;
    --no-build) build=0 ;;
    *) echo "usage: scripts/bench_deps.sh [--keras] [--no-build]" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
packages=(libtorch-dev)
((keras)) && packages+=(python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench_deps: installing ${missing[*]} (libtorch-dev is large: a few minutes)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ((keras)); then
  venv=${TENET_BUILD_DIR:-build}/keras-venv
  if ! "$venv/bin/python" -c "import keras, tensorflow" 2>/dev/null; then
    echo "bench_deps: creating $venv with tensorflow-cpu and keras"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q tensorflow-cpu keras
  fi
  "$venv/bin/python" -c "import keras, tensorflow as tf; print('bench_deps: Keras', keras.__version__, 'TensorFlow', tf.__version__)" 2>/dev/null
fi

if ((build)); then
  scripts/build.sh train_bench train_bench_torch
fi
