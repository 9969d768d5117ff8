// Suite "layers": the tests of dropout.
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

TEST_SUITE("layers") {

TEST_CASE("Dropout: identity at inference, scaled seeded masks in training") {
  clear_session();
  Dropout d(0.3, {.seed = 42});
  CHECK(d.name() == "dropout");
  Tensor x = Tensor::ones({100, 100});
  CHECK(array_equal(d(x), x));
  Tensor y1 = d(x, {.training = true}), y2 = d(x, {.training = true});
  auto v = y1.to_vector<double>();
  std::int64_t zeros = 0;
  for (double e : v) {
    if (e == 0) ++zeros;
    else CHECK(e == doctest::Approx(1 / 0.7));
  }
  CHECK(std::abs(static_cast<double>(zeros) / 1e4 - 0.3) < 0.02);   // ~4.6 sigma
  CHECK(std::abs(y1.mean().item() - 1.0) < 0.04);                    // the scale keeps the mean
  CHECK_FALSE(array_equal(y1, y2));                                  // a new mask each call
  Dropout same(0.3, {.seed = 42});
  CHECK(array_equal(same(x, {.training = true}), y1));               // replayable from the seed
  CHECK(array_equal(same(x, {.training = true}), y2));
  CHECK_FALSE(array_equal(Dropout(0.3, {.seed = 43})(x, {.training = true}), y1));
  // Gradient: dout * mask / (1 - rate); with x = 1 the output is exactly that factor.
  Tensor g = Tensor::ones({10, 10}).requires_grad(true);
  Tensor out = d(g, {.training = true});
  out.sum().backward();
  CHECK(allclose(g.grad(), out.detach(), 0, 1e-7));
  auto e = capture([] { (void)Dropout(1.0); });
  CHECK(e.code() == "options.invalid");
}

}  // TEST_SUITE
