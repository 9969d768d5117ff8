// Suite "layers": the tests of rescaling.
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

TEST_CASE("Rescaling: y = x * scale + offset") {
  clear_session();
  Rescaling r(1.0 / 127.5, -1.0);
  CHECK(r.name() == "rescaling");
  Tensor x = Tensor::from_vector(std::vector<float>{0, 127.5, 255}, {1, 3});
  CHECK(allclose(r(x), Tensor::from_vector(std::vector<float>{-1, 0, 1}, {1, 3}), 1e-6, 1e-6));
  Tensor g = Tensor::uniform({2, 3}, 14).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return r(in[0]); }, {g});
  CHECK(Rescaling(0.5)(Input({kUnknown, kUnknown, 3})).shape() == Shape{kUnknown, kUnknown, kUnknown, 3});
}

}  // TEST_SUITE
