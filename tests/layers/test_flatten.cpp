// Suite "layers": the tests of flatten.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/layers/activation.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>

#include "core/kernels/layout.hpp"
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("layers") {

TEST_CASE("Flatten keeps (h, w, c) order; None spatial axes give None features") {
  clear_session();
  Flatten f;
  CHECK(f.name() == "flatten");
  Tensor x = Tensor::arange(2 * 3 * 2 * 4).reshape({2, 3, 2, 4});
  Tensor y = f(x);
  REQUIRE(y.shape() == Shape{2, 24});
  // Element (n, h, w, c) lands at column (h * W + w) * C + c.
  CHECK(y.at({1, (2 * 2 + 1) * 4 + 3}) == x.at({1, 2, 1, 3}));
  CHECK(y.at({0, (1 * 2 + 0) * 4 + 2}) == x.at({0, 1, 0, 2}));
  CHECK(Flatten()(Input({7, 7, 64})).shape() == Shape{kUnknown, 7 * 7 * 64});
  auto open = Flatten()(Input({kUnknown, kUnknown, 3}));
  CHECK(open.shape() == Shape{kUnknown, kUnknown});
  auto e = capture([&] { (void)Dense(10)(open); });
  CHECK(e.code() == "dense.undefined");
  Tensor g = Tensor::uniform({2, 2, 3, 2}, 6).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return f(in[0]); }, {g});
}

// In predict (no gradient), a blocked input (a Conv2D's or MaxPool2D's output) is converted
// straight into Flatten's own row-major output, and the input keeps its layout; with a gradient,
// Flatten is a view of its input made row-major. Both give the same elements.
TEST_CASE("Flatten of a blocked input in predict: a row-major copy, the input left blocked") {
  clear_session();
  // A training call's direct convolution: its output lies blocked (detached: no gradient).
  Conv2D conv(16, {3, 3}, {.seed = 4});
  const Tensor x = Tensor::uniform({2, 5, 5, 2}, 8);
  Flatten f;
  const Tensor blocked = conv(x).detach();
  REQUIRE(kernels::is_blocked(blocked));
  Tensor copied;
  {
    NoGradGuard no_grad;
    copied = f(blocked);
  }
  CHECK(kernels::is_blocked(blocked));  // untouched: its bytes still lie blocked
  CHECK_FALSE(kernels::is_blocked(copied));
  REQUIRE(copied.shape() == Shape{2, 3 * 3 * 16});
  const Tensor viewed = f(blocked);  // outside predict: the view of the input made row-major
  CHECK_FALSE(kernels::is_blocked(blocked));
  CHECK(array_equal(copied, viewed));
  CHECK(copied.at({1, (2 * 3 + 1) * 16 + 5}) == blocked.at({1, 2, 1, 5}));
  CHECK(copied.raw_data() != viewed.raw_data());
}

}  // TEST_SUITE
