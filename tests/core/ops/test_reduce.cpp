// Suite "core/ops": the tests of reduce.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>
#include <memory>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "core/kernels/context.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::mentions;
using tenet::testing::kNaN;

TEST_SUITE("core/ops") {

TEST_CASE("reductions") {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 5, 3, 4, 2, 6}, {2, 3});
  CHECK(allclose(a.sum(0), Tensor::from_vector(std::vector<float>{5, 7, 9})));
  CHECK(allclose(a.sum(1, true), Tensor::from_vector(std::vector<float>{9, 12}, {2, 1})));
  CHECK(allclose(a.mean(-1), Tensor::from_vector(std::vector<float>{3, 4})));
  CHECK(allclose(a.max(1), Tensor::from_vector(std::vector<float>{5, 6})));
  CHECK(a.argmax(1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
  CHECK(a.sum().item() == doctest::Approx(21));
}

TEST_CASE("hostile api: max and argmax along an axis of size 0 are refused") {
  // max returned -3.4e38 and argmax index 0 (an element that does not exist) before.
  auto e = capture([] { (void)Tensor::ones({3, 0}).argmax(1); });
  CHECK(e.code() == "reduce.axis");
  CHECK(mentions(e, "argmax along axis 1 of (3, 0), which has size 0"));
  e = capture([] { (void)Tensor::ones({3, 0}).max(-1); });
  CHECK(e.code() == "reduce.axis");
  CHECK(e.actual() == "(3, 0)");
  // Along a non-empty axis an empty tensor still reduces, and softmax keeps its shape.
  CHECK(Tensor::ones({0, 3}).argmax(1).shape() == Shape{0});
  CHECK(softmax(Tensor::ones({3, 0})).shape() == Shape{3, 0});
  CHECK(log_softmax(Tensor::ones({0, 3})).shape() == Shape{0, 3});
}

TEST_CASE("hostile api: max and argmax answer NaN wherever it stands") {
  // A NaN after the first element was skipped: max gave 3 and argmax 2 for {1, NaN, 3}.
  const float nan = static_cast<float>(kNaN);
  auto x = Tensor::from_vector(std::vector<float>{1, nan, 3, nan}, {1, 4});
  CHECK(x.argmax(1).at({0}) == 1);
  CHECK(std::isnan(x.max(1).at({0})));
  auto first = Tensor::from_vector(std::vector<float>{nan, 5}, {1, 2});
  CHECK(first.argmax(1).at({0}) == 0);
  CHECK(std::isnan(first.max(1).at({0})));
  auto clean = Tensor::from_vector(std::vector<float>{1, 7, 7, -2}, {2, 2});
  CHECK(clean.argmax(1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(clean.max(0).to_vector<float>() == std::vector<float>{7, 7});
}

TEST_CASE("sum over a long row matches a double-precision reference") {
  const std::int64_t n = 1'000'003;
  Tensor x = Tensor::uniform({n}, 11, -1.0, 1.0);
  const float* p = x.data<float>();
  double want = 0;
  for (std::int64_t i = 0; i < n; ++i) want += p[i];
  CHECK(x.sum().item() == doctest::Approx(want).epsilon(1e-6));
  Tensor rows = x.reshape({1, n}).sum(1);  // the last-axis path
  CHECK(rows.shape() == Shape{1});
  CHECK(rows.item() == doctest::Approx(want).epsilon(1e-6));
  Tensor ints = Tensor::arange(1001, DType::i32);  // integers sum exactly: 0 + ... + 1000
  CHECK(ints.sum().item() == 500500.0);
}

}  // TEST_SUITE
