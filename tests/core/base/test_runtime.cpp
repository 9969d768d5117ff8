// Suite "core/base": the tests of runtime.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

#include "core/kernels/context.hpp"

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

}  // TEST_SUITE
