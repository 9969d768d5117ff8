#!/usr/bin/env bash
# Builds tenet and its tests with AddressSanitizer + UndefinedBehaviorSanitizer in ./build-asan
# and runs the whole test suite there under ctest. Any ASan/UBSan report fails the run.
# Usage: [TENET_ASAN_TARGETS="t1 t2"] scripts/sanitize.sh [ctest args...]  (e.g. -R test_data)
# The build holds /tmp/tenet-build.lock like scripts/build.sh, so it never shares the 2 cores
# with another build; the tests run outside the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${TENET_ASAN_DIR:-build-asan}
(
  exec 9>/tmp/tenet-build.lock
  flock 9
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DTENET_SANITIZE=ON -DTENET_BUILD_EXAMPLES=OFF -DTENET_BUILD_BENCHMARKS=OFF >/dev/null
  if [[ -n ${TENET_ASAN_TARGETS:-} ]]; then  # e.g. TENET_ASAN_TARGETS="test_data"
    for t in $TENET_ASAN_TARGETS; do cmake --build "$build_dir" -j2 --target "$t"; done
  else
    cmake --build "$build_dir" -j2
  fi
)
# halt_on_error: a sanitizer report is a failure, not a warning. Leaks are checked; the
# suppressions in tests/lsan.supp cover only global state kept by system libraries.
# allocator_may_return_null: HDF5 asks malloc for absurd sizes read from corrupt headers and
# treats NULL as an error, as glibc returns it; ASan would otherwise abort on the request.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# Not run here (all covered by the normal suite): test_examples
# needs the example programs (not built with sanitizers, to save time); consumer_* and
# doc_snippets compile plain programs against the library, which cannot link the sanitized
# static library without the sanitizer runtimes. Nor the MPI tests (distributed_*, normal suite
# only): OpenMPI itself is not clean under LeakSanitizer. A 10-line C program doing MPI_Init,
# one MPI_Allreduce and MPI_Finalize, built with -fsanitize=address,undefined and run by
# mpirun -np 2, reported 121,271 bytes leaked in 3,347 allocations, all inside OpenMPI 4.1.4's
# dlopen()ed plugins (frames "<unknown module>", so no stable suppression can name them).
status=0
ctest --test-dir "$build_dir" --output-on-failure \
  -E '^(test_examples|consumer_.*|doc_snippets|distributed_.*)$' "$@" || status=$?
exit "$status"
