// Suite "core/base": the tests of runtime.
#include <doctest/doctest.h>

#include <cmath>
#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

#include "core/kernels/context.hpp"
#include "support/test_util.hpp"

#include <omp.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

using namespace tenet;

TEST_SUITE("core/base") {

TEST_CASE("kernels flush denormals to zero by default; set_flush_denormals(false) keeps them") {
  // 1e-39 is a denormal float (copied in as bits: arithmetic would already flush it).
  Tensor tiny = Tensor::from_vector(std::vector<float>(6, 1e-39f), {2, 3});
  Tensor ones = Tensor::ones({3, 2});
  CHECK(flush_denormals());
  CHECK(matmul(tiny, ones).to_vector<float>() == std::vector<float>(4, 0.0f));
  set_flush_denormals(false);
  auto kept = matmul(tiny, ones).to_vector<float>();
  const bool near_3e39 = kept[0] > 2.9e-39f && kept[0] < 3.1e-39f;  // compared while kept
  set_flush_denormals(true);
  CHECK(near_3e39);
  CHECK(matmul(tiny, ones).to_vector<float>() == std::vector<float>(4, 0.0f));
}

#if defined(__SSE2__)
// A kernel scope sets the denormal mode only when the caller's differs, and gives the caller
// its own mode back either way (the caller's arithmetic keeps its IEEE or flushing mode).
TEST_CASE("FloatModeScope: the caller's MXCSR mode back after kernels, set or not set before") {
  const unsigned original = _mm_getcsr();
  Tensor tiny = Tensor::from_vector(std::vector<float>(6, 1e-39f), {2, 3});
  Tensor ones = Tensor::ones({3, 2});
  for (const unsigned caller : {original & ~0x8040u, original | 0x8040u}) {
    _mm_setcsr(caller);
    {
      kernels::FloatModeScope scope;
      CHECK((_mm_getcsr() & 0x8040u) == 0x8040u);  // flushing inside (the default)
    }
    CHECK(_mm_getcsr() == caller);
    CHECK(matmul(tiny, ones).to_vector<float>() == std::vector<float>(4, 0.0f));
    CHECK(_mm_getcsr() == caller);
  }
  _mm_setcsr(original);
}

// A Model's step (GovernedStep) runs all of its own loops in the kernels' mode too.
TEST_CASE("a governed step flushes denormals on the calling thread for its whole length") {
  const unsigned original = _mm_getcsr();
  _mm_setcsr(original & ~0x8040u);  // a caller in IEEE mode
  runtime::ThreadGovernors governors;
  {
    const kernels::GovernedStep step(governors, 64);
    CHECK((_mm_getcsr() & 0x8040u) == 0x8040u);
    volatile float tiny = 1e-20f;
    CHECK(tiny * tiny == 0.0f);  // 1e-40, a denormal: flushed, also in tenet's own loops
  }
  CHECK((_mm_getcsr() & 0x8040u) == 0u);  // the caller's mode back
  _mm_setcsr(original);
}
#endif

TEST_CASE("set_num_threads(n) pins the thread count; set_num_threads(0) returns to automatic") {
  const int pinned = adaptive_threads() ? 0 : num_threads();  // the test main pins: restored
  set_num_threads(1);
  CHECK(num_threads() == 1);
  CHECK_FALSE(adaptive_threads());
  CHECK(omp_get_max_threads() == 1);
  set_num_threads(0);
  CHECK(adaptive_threads());
  CHECK(num_threads() == omp_get_num_procs());
  CHECK(omp_get_max_threads() == omp_get_num_procs());
  set_num_threads(pinned);
}

TEST_CASE("a governed step runs on the governor's count, or the pinned one, and restores the caller's") {
  runtime::ThreadGovernors governors;
  const int pinned = adaptive_threads() ? 0 : num_threads();
  set_num_threads(0);
  omp_set_num_threads(3);  // the caller's own setting, whatever it is
  {
    const kernels::GovernedStep step(governors, 64);
    CHECK(omp_get_max_threads() == omp_get_num_procs());  // the governor's first choice: all
  }
  CHECK(omp_get_max_threads() == 3);
  set_num_threads(1);
  {
    const kernels::GovernedStep step(governors, 64);
    CHECK(omp_get_max_threads() == 1);
  }
  set_num_threads(pinned);
}

TEST_CASE("hostile api: set_num_threads of a negative count is automatic; a large pinned count is deterministic") {
  const int pinned = adaptive_threads() ? 0 : num_threads();
  set_num_threads(-5);
  CHECK(adaptive_threads());
  CHECK(num_threads() == omp_get_num_procs());
  CHECK(omp_get_max_threads() == omp_get_num_procs());
  // 64 threads on any machine (more than its cores here): the same bits on every run.
  const Tensor a = Tensor::randn({33, 130}, 1), b = Tensor::randn({130, 17}, 2);
  set_num_threads(64);
  CHECK(num_threads() == 64);
  const Tensor first = matmul(a, b);
  CHECK(allclose(matmul(a, b), first, 0.0, 0.0));
  set_num_threads(pinned);
  CHECK(allclose(matmul(a, b), first, 1e-5, 1e-5));
}

TEST_CASE("hostile api: set_num_threads above the most threads is options.invalid, the count kept") {
  // 100000 threads would end the process inside libgomp ("Thread creation failed", exit 1)
  // wherever the system refuses one (`ulimit -v 4000000` refused 10000 here).
  const int pinned = adaptive_threads() ? 0 : num_threads();
  set_num_threads(3);
  const int most = std::max(1024, omp_get_num_procs());
  for (int n : {most + 1, 100000, std::numeric_limits<int>::max()}) {
    CAPTURE(n);
    const ContractError e = tenet::testing::capture([&] { set_num_threads(n); });
    CHECK(e.code() == "options.invalid");
    CHECK(e.actual() == std::to_string(n));
    CHECK(tenet::testing::mentions(e, "[1, " + std::to_string(most) + "]"));
    CHECK(tenet::testing::mentions(e, "set_num_threads(0)"));
    CHECK(num_threads() == 3);  // nothing changed
    CHECK(omp_get_max_threads() == 3);
  }
  set_num_threads(most);  // the most is accepted
  CHECK(num_threads() == most);
  set_num_threads(pinned);
}

}  // TEST_SUITE
