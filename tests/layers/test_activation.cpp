// Suite "layers": the tests of activation.
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

TEST_CASE("ReLU and Softmax against references, with gradients") {
  clear_session();
  ReLU relu_layer;
  Softmax sm;
  CHECK(relu_layer.name() == "re_lu");
  CHECK(sm.name() == "softmax");
  Tensor x = Tensor::from_vector(std::vector<float>{-2, -0.5, 0.5, 3, 1000, 999}, {3, 2});
  CHECK(allclose(relu_layer(x), Tensor::from_vector(std::vector<float>{0, 0, 0.5, 3, 1000, 999}, {3, 2})));
  auto p = sm(x).to_vector<double>();
  for (int r = 0; r < 3; ++r) {
    double a = x.at({r, 0}), b = x.at({r, 1}), m = std::max(a, b);
    double ea = std::exp(a - m), eb = std::exp(b - m);
    CHECK(p[2 * r] == doctest::Approx(ea / (ea + eb)).epsilon(1e-6));
    CHECK(p[2 * r + 1] == doctest::Approx(eb / (ea + eb)).epsilon(1e-6));
  }
  Tensor cols = Softmax(0)(x);
  CHECK(cols.sum(0).at({1}) == doctest::Approx(1.0));
  Tensor g = Tensor::uniform({3, 4}, 9, -2, 2).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return relu_layer(in[0]); }, {g});
  check_gradients([&](const std::vector<Tensor>& in) { return sm(in[0]); }, {g});
  CHECK(Softmax()(Input({kUnknown, 10})).shape() == Shape{kUnknown, kUnknown, 10});
}

}  // TEST_SUITE
