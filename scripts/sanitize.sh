#!/usr/bin/env bash
# Builds tenet and its tests with AddressSanitizer + UndefinedBehaviorSanitizer in ./build-asan
# and runs the whole test suite there under ctest. Any ASan/UBSan report fails the run.
# Usage: [TENET_ASAN_TARGETS="t1 t2"] scripts/sanitize.sh [ctest args...]  (e.g. -R test_reliability)
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
  if [[ -n ${TENET_ASAN_TARGETS:-} ]]; then  # e.g. TENET_ASAN_TARGETS="test_reliability"
    for t in $TENET_ASAN_TARGETS; do cmake --build "$build_dir" -j2 --target "$t"; done
  else
    cmake --build "$build_dir" -j2
  fi
)
# halt_on_error: a sanitizer report is a failure, not a warning. Leaks are checked; the
# suppressions in tests/lsan.supp cover only global state kept by system libraries.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# Not run here: test_examples needs the examples (not built with sanitizers, to save time), and
# consumer_* install the static library into a plain consumer project, which cannot link the
# sanitizer runtimes; both are covered by the normal suite.
ctest --test-dir "$build_dir" --output-on-failure -E '^(test_examples|consumer_.*)$' "$@"
