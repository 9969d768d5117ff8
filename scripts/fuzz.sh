#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in ./build-fuzz and runs each one.
# Usage: [TENET_FUZZ_SECONDS=s] scripts/fuzz.sh [runs] [target ...]   runs per target, default
#   1000000, or fewer when TENET_FUZZ_SECONDS (a time bound per target) ends first.
#   e.g. scripts/fuzz.sh 20000 fuzz_idx
# TENET_FUZZ_SANITIZERS=leak builds in ./build-fuzz-lsan instead: no ASan, so the
# HDF5 guard's fork per read costs little and a million inputs through the public readers take
# hours rather than days (docs/reliability.md). TENET_FUZZ_SANITIZERS=none (./build-fuzz-plain)
# instruments for coverage only: crashes and hangs are still caught, leaks are not, and the
# guard's fork is cheapest.
# TENET_FUZZ_JOBS=N runs N libFuzzer jobs in parallel (fork mode; one core each).
# TENET_FUZZ_PAST_HDF5=1 fuzzes tenet's readers with libhdf5 called in-process (no guard) in
# libFuzzer's fork mode, which records libhdf5's own crashes, hangs and OOMs in the artifacts
# and keeps going; the final "#N DONE" line is the count. Those inputs must then give
# data.format through the public readers (tests/fuzz/known_crashes, tests/data/test_fuzz_regressions.cpp).
# Seeds come from tests/fuzz/corpus/<target>/ (read only); new corpus entries go to
# build-fuzz/corpus/<target>/. A crash leaves crash-*/leak-*/timeout-* in build-fuzz/artifacts/
# and makes this script fail: copy the input to tests/fuzz/regressions/ and add a test in
# tests/data/test_fuzz_regressions.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-1000000}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_idx fuzz_h5 fuzz_weights fuzz_path_template fuzz_image fuzz_keras fuzz_keras_json fuzz_npy)
sanitizers=${TENET_FUZZ_SANITIZERS:-address,undefined}
default_dir=build-fuzz
[[ $sanitizers == leak ]] && default_dir=build-fuzz-lsan
[[ $sanitizers == none ]] && default_dir=build-fuzz-plain
build_dir=${TENET_FUZZ_DIR:-$default_dir}
(
  exec 9>/tmp/tenet-build.lock
  flock 9
  cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DTENET_FUZZ=ON \
    -DTENET_BUILD_EXAMPLES=OFF -DTENET_BUILD_BENCHMARKS=OFF \
    -DTENET_FUZZ_SANITIZERS="$sanitizers" >/dev/null
  for t in "${targets[@]}"; do cmake --build "$build_dir" -j2 --target "$t"; done
)
# allocator_may_return_null: HDF5 asks malloc for absurd sizes read from corrupt headers and
# handles NULL as an error, as glibc returns it; ASan would otherwise abort on the request.
# symbolize=0: a guard child that hits libFuzzer's malloc limit (libhdf5 asking for sizes read
# from a corrupt header) prints a stack trace before it dies, and symbolizing it starts
# llvm-symbolizer, which cost a third of the fuzzer's time (measured: 81 -> 121 inputs/s for
# fuzz_weights). Reports then show module+offset; replay a saved input to get source lines.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:allocator_may_return_null=1:symbolize=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0:allocator_may_return_null=1:symbolize=0}
export OMP_NUM_THREADS=1
# The HDF5 guard's CPU budget for one read (1 s by default): the inputs are at most a few
# hundred KiB and a sound one reads in about a millisecond, while every input on which libhdf5
# loops (or zero-fills hundreds of MiB for a size read from a corrupt header) costs the whole
# budget: 25 ms instead of 100 ms took fuzz_h5 from 91 to 118 inputs/s (LeakSanitizer build).
export TENET_HDF5_CPU_BUDGET_MS=${TENET_HDF5_CPU_BUDGET_MS:-25}
mkdir -p "$build_dir/artifacts"
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  echo "== $t: $runs runs"
  # -timeout: one input taking > 10 s is a hang. -malloc_limit_mb: a single allocation over 8 GB
  # is a bug (HDF5 1.10 itself mallocs sizes read from corrupt headers, up to ~4 GB seen in
  # H5Lvisit before tenet sees any dataset, fails the read and frees them). -rss_limit_mb is 0 by
  # default (TENET_FUZZ_RSS_LIMIT_MB sets it): a non-zero limit starts libFuzzer's RSS thread,
  # and a program with two threads reads HDF5 through the spawned tenet-h5-reader helper instead
  # of a fork (docs/data.md): fuzz_h5 then ran 29 inputs/s against 150 with the limit off
  # (ASan+UBSan build, 2026-12-06, AMD EPYC).
  rc=0
  limit=()
  [[ -n ${TENET_FUZZ_SECONDS:-} ]] && limit=(-max_total_time="$TENET_FUZZ_SECONDS")
  if [[ ${TENET_FUZZ_PAST_HDF5:-} == 1 ]]; then
    export TENET_HDF5_ISOLATION=in_process
    limit+=(-fork="${TENET_FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  elif [[ -n ${TENET_FUZZ_JOBS:-} ]]; then
    limit+=(-fork="$TENET_FUZZ_JOBS")  # parallel jobs; the first crash still stops the run
  fi
  "$build_dir/tests/fuzz/$t" -runs="$runs" "${limit[@]}" -timeout=10 -rss_limit_mb="${TENET_FUZZ_RSS_LIMIT_MB:-0}" \
    -malloc_limit_mb=8192 -print_final_stats=1 \
    -artifact_prefix="$build_dir/artifacts/$t-" "$corpus" "$root/tests/fuzz/corpus/$t" \
    >"$build_dir/$t.log" 2>&1 || rc=$?
  grep -E "^#[0-9]+ +(INITED|DONE)|^stat::|ERROR|SUMMARY" "$build_dir/$t.log" || true
  ((rc == 0)) || { echo "$t FAILED (exit $rc): see $build_dir/$t.log"; exit 1; }
done
