// Suite "layers": the tests of global_pooling.
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

TEST_CASE("global pooling: mean and max over height and width") {
  clear_session();
  GlobalAveragePooling2D gap;
  GlobalMaxPooling2D gmp;
  CHECK(gap.name() == "global_average_pooling2d");
  CHECK(gmp.name() == "global_max_pooling2d");
  Tensor x = Tensor::uniform({2, 3, 4, 5}, 12, -1, 1);
  Tensor a = gap(x), m = gmp(x);
  REQUIRE(a.shape() == Shape{2, 5});
  REQUIRE(m.shape() == Shape{2, 5});
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t c = 0; c < 5; ++c) {
      double s = 0, mx = -1e9;
      for (std::int64_t h = 0; h < 3; ++h)
        for (std::int64_t w = 0; w < 4; ++w) { s += x.at({n, h, w, c}); mx = std::max(mx, x.at({n, h, w, c})); }
      CHECK(a.at({n, c}) == doctest::Approx(s / 12).epsilon(1e-6));
      CHECK(m.at({n, c}) == mx);
    }
  Tensor g = Tensor::uniform({2, 3, 3, 2}, 13, -1, 1).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return gap(in[0]); }, {g});
  check_gradients([&](const std::vector<Tensor>& in) { return gmp(in[0]); }, {g});
  CHECK(gap(Input({kUnknown, kUnknown, 8})).shape() == Shape{kUnknown, 8});
  auto e = capture([] { (void)GlobalMaxPooling2D()(Input({128})); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.expected() == "(None, height, width, channels)");
  CHECK(has(e.cause(), "flat"));
}

}  // TEST_SUITE
