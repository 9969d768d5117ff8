// OptimizerImpl::set_state given what load_weights would refuse: an impossible iteration count,
// or slots that do not fit (another dtype, another shape).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core/training") {

TEST_CASE("set_state refuses an iteration count load_weights refuses; Adam stays finite") {
  Adam adam;
  for (const std::int64_t bad : {std::int64_t{-1}, std::numeric_limits<std::int64_t>::max()}) {
    CAPTURE(bad);
    auto e = capture([&] { adam.impl()->set_state(bad, {}); });
    CHECK(e.code() == "options.invalid");
    CHECK(has(e, "set_state iterations"));
    CHECK(has(e, std::to_string(bad)));
  }
  CHECK(adam.impl()->iterations() == 0);  // unchanged
  // Slots of another dtype are refused, never read as float32 (nor dropped without a word).
  auto d = capture([&] {
    adam.impl()->set_state(3, {{Tensor::ones({4}, DType::f64), Tensor::ones({4}, DType::f64)}});
  });
  CHECK(d.code() == "options.invalid");
  CHECK(has(d, "set_state slots"));
  CHECK(adam.impl()->iterations() == 0);
  Tensor w = Tensor::ones({4}).requires_grad(true);  // float32 slots of its shape are used
  adam.impl()->set_state(3, {{Tensor::zeros({4}), Tensor::zeros({4})}});
  w.set_grad(Tensor::full({4}, 0.5));
  adam.impl()->step({w});
  CHECK(adam.impl()->iterations() == 4);
  for (int i = 0; i < 4; ++i) CHECK(std::isfinite(w.at({i})));
}

}  // TEST_SUITE
