// Suite "losses": the tests of mean_squared_error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("losses") {

TEST_CASE("mean squared error against the double reference") {
  Tensor p = Tensor::from_vector(std::vector<float>{1.5, -2, 0, 4, 3, 1}, {3, 2});
  Tensor t = Tensor::from_vector(std::vector<float>{1, 0, 0.5, 4, -1, 1}, {3, 2});
  double want = (0.25 + 4 + 0.25 + 0 + 16 + 0) / 6;
  CHECK(MeanSquaredError()(p, t).item() == doctest::Approx(want).epsilon(1e-6));
  // (N,) targets against (N, 1) predictions are paired, not broadcast to (N, N).
  Tensor p1 = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3, 1});
  Tensor t1 = Tensor::from_vector(std::vector<std::int32_t>{1, 0, 5});
  CHECK(MeanSquaredError()(p1, t1).item() == doctest::Approx((0 + 4 + 4) / 3.0));
}

}  // TEST_SUITE
