// Suite "losses": the tests of categorical_crossentropy.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/tensor/tensor_impl.hpp"  // GradNode
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "support/loss_reference.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;
using tenet::testing::Rows;
using tenet::testing::kClasses;
using tenet::testing::kLogits;
using tenet::testing::kProbs;
using tenet::testing::one_hot_rows;
using tenet::testing::ref_ce_logits;
using tenet::testing::ref_ce_probs;
using tenet::testing::rows_tensor;

TEST_SUITE("losses") {

TEST_CASE("categorical cross-entropy from probabilities clips like Keras") {
  Rows y = one_hot_rows(kClasses, 3);
  Tensor loss = CategoricalCrossentropy()(rows_tensor(kProbs), rows_tensor(y));
  CHECK(loss.shape() == Shape{});
  CHECK(loss.item() == doctest::Approx(ref_ce_probs(kProbs, y)).epsilon(1e-5));
  // A zero probability on the true class costs -log(1e-7), not infinity.
  Tensor worst = CategoricalCrossentropy()(rows_tensor({{0.0, 1.0}}), rows_tensor({{1.0, 0.0}}));
  CHECK(worst.item() == doctest::Approx(-std::log(1e-7)).epsilon(1e-4));
  // Unnormalised rows are divided by their sum first.
  Tensor scaled = CategoricalCrossentropy()(rows_tensor({{2.0, 6.0}}), rows_tensor({{0.0, 1.0}}));
  CHECK(scaled.item() == doctest::Approx(-std::log(0.75)).epsilon(1e-5));
}

TEST_CASE("categorical cross-entropy from logits is stable for logits like 1000") {
  Rows y = one_hot_rows(kClasses, 3);
  Tensor z = rows_tensor(kLogits).requires_grad(true);
  Tensor loss = CategoricalCrossentropy({.from_logits = true})(z, rows_tensor(y));
  CHECK(std::isfinite(loss.item()));
  CHECK(loss.item() == doctest::Approx(ref_ce_logits(kLogits, y)).epsilon(1e-5));
  // The fused gradient is (softmax(z) - onehot) / N, with no NaN at 1000.
  loss.backward();
  auto g = z.grad().to_vector<double>();
  for (std::size_t i = 0; i < kLogits.size(); ++i) {
    double m = *std::max_element(kLogits[i].begin(), kLogits[i].end()), s = 0;
    for (double v : kLogits[i]) s += std::exp(v - m);
    for (std::size_t k = 0; k < 3; ++k) {
      double want = (std::exp(kLogits[i][k] - m) / s - y[i][k]) / 4.0;
      CHECK(g[i * 3 + k] == doctest::Approx(want).epsilon(1e-5));
    }
  }
  // One fused node, not a chain of ops.
  CHECK(loss.grad_fn()->inputs.size() == 1);
  CHECK(loss.grad_fn()->inputs[0].same_as(z));
}

TEST_CASE("hostile api: categorical targets outside [0, 1] are loss.label_range, as binary ones") {
  // Targets of -1 made a loss that falls without bound (-4.9, -32, -606, ... over five epochs).
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 1})(in));
  m.compile({.optimizer = SGD({.learning_rate = 0.5}),
             .loss = CategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::randn({64, 4}, 1);
  auto e = capture([&] { m.fit(x, Tensor::full({64, 3}, -1.0), {.epochs = 5, .verbose = 0}); });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.info().summary, "categorical target -1 at (0, 0) (sample 0, class 0)"));
  CHECK(has(e.expected(), "targets in [0, 1]"));
  CHECK(has(e.actual(), "labels(0, 0) = -1"));
  CHECK(has(e, "the loss has no minimum"));
  CHECK(has(e.fix(), "one_hot(y, 3)"));
  // Both forms of the loss, the first offending element named by sample and class; counts are
  // whole numbers above 1.
  const Tensor counts = Tensor::from_vector(std::vector<float>{0, 1, 0, 0, 3, 0}, {2, 3});
  for (bool logits : {false, true}) {
    CAPTURE(logits);
    e = capture([&] {
      (void)CategoricalCrossentropy({.from_logits = logits})(Tensor::full({2, 3}, 0.3), counts);
    });
    CHECK(e.code() == "loss.label_range");
    CHECK(has(e.actual(), "labels(1, 1) = 3 (targets range from 0 to 3)"));
    CHECK(has(e.cause(), "whole numbers up to 3"));
  }
  // Probabilities pass: soft rows and the limits 0 and 1 themselves.
  const Tensor soft = Tensor::from_vector(std::vector<float>{0, 1, 0, 0.25f, 0.5f, 0.25f}, {2, 3});
  CHECK(std::isfinite(CategoricalCrossentropy()(Tensor::full({2, 3}, 0.3), soft).item()));
}

}  // TEST_SUITE
