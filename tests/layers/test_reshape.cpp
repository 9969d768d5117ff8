// Suite "layers": the tests of reshape.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/layers/activation.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;

TEST_SUITE("layers") {

TEST_CASE("Reshape: target without batch, -1, reshape.size at build time") {
  clear_session();
  Reshape r({7, 7, 64});
  CHECK(r.name() == "reshape");
  CHECK(r(Input({3136})).shape() == Shape{kUnknown, 7, 7, 64});
  CHECK(Reshape({-1, 64})(Input({7, 7, 64})).shape() == Shape{kUnknown, 49, 64});
  CHECK(Reshape({-1})(Input({kUnknown, 3})).shape() == Shape{kUnknown, kUnknown});
  auto e = capture([] { (void)Reshape({7, 7, 64})(Input({3000})); });
  CHECK(e.code() == "reshape.size");
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.expected(), "3000"));
  CHECK(has(e.actual(), "3136"));
  CHECK(has(e.fix(), "3000"));
  auto d = capture([] { (void)Reshape({-1, 7})(Input({50})); });
  CHECK(d.code() == "reshape.size");
  Tensor x = Tensor::arange(24).reshape({2, 12});
  Tensor y = Reshape({3, -1})(x);
  REQUIRE(y.shape() == Shape{2, 3, 4});
  CHECK(y.at({1, 2, 3}) == 23.0);
  Tensor g = Tensor::uniform({2, 6}, 15).requires_grad(true);
  Reshape r2({2, 3});
  check_gradients([&](const std::vector<Tensor>& in) { return r2(in[0]); }, {g});
}

}  // TEST_SUITE
