// Hostile but realistic optimizer options and uses: values that double holds and float32 does
// not (the update rules compute in float32), and one optimizer handle shared by two sets of
// variables of other shapes.
#include <cmath>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

namespace {

Tensor variable(std::vector<float> values, float grad) {
  Tensor w = Tensor::from_vector(values).requires_grad(true);
  w.set_grad(Tensor::from_vector(std::vector<float>(values.size(), grad)));
  return w;
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("hyperparameters float32 cannot hold are options.invalid when the optimizer is made") {
  auto e = capture([] { (void)SGD({.learning_rate = 1e39}); });  // finite in double, inf in float
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "1e+39");
  CHECK(mentions(e, "SGDOptions::learning_rate = 1e+39 is above float32's largest value"));
  e = capture([] { (void)Adam({.learning_rate = 1e-50}); });  // 0 in float: never moves
  CHECK(mentions(e, "AdamOptions::learning_rate = 1e-50 is below float32's smallest normal value"));
  // An epsilon that is 0 in float32: a weight whose gradient is 0 would get 0 / 0 = NaN.
  e = capture([] { (void)Adam({.epsilon = 1e-50}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "AdamOptions::epsilon = 1e-50"));
  CHECK(mentions(e, "0 / 0 = NaN"));
  e = capture([] { (void)RMSprop({.epsilon = 1e-60}); });
  CHECK(mentions(e, "RMSpropOptions::epsilon"));
  e = capture([] { (void)AdamW({.weight_decay = 1e300}); });
  CHECK(mentions(e, "AdamWOptions::weight_decay = 1e+300 is above float32's largest value"));
  SGD sgd({.learning_rate = 0.1});
  e = capture([&] { sgd.impl()->set_learning_rate(1e40); });
  CHECK(mentions(e, "SGD::set_learning_rate"));
  CHECK(sgd.impl()->learning_rate() == 0.1);
  (void)AdamW({.weight_decay = 0});  // 0 stays 0 in float32
}

TEST_CASE("schedule rates float32 cannot hold are options.invalid when the schedule is made") {
  auto e = capture([] { (void)ExponentialDecay({.initial_learning_rate = 1e39}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "ExponentialDecayOptions::initial_learning_rate = 1e+39"));
  e = capture([] { (void)PiecewiseConstantDecay({.boundaries = {10}, .values = {0.1, 1e-300}}); });
  CHECK(mentions(e, "PiecewiseConstantDecayOptions::values[1] = 1e-300 is below float32's"));
  e = capture([] { (void)CosineDecay({.initial_learning_rate = 1e-50}); });
  CHECK(mentions(e, "CosineDecayOptions::initial_learning_rate"));
  e = capture([] { (void)CosineDecay({.initial_learning_rate = 0, .warmup_target = 1e40,
                                      .warmup_steps = 10}); });
  CHECK(mentions(e, "CosineDecayOptions::warmup_target = 1e+40"));
}

TEST_CASE("a schedule's rate beyond float32 is refused before the weights become inf") {
  Tensor w = variable({1.0f}, 1.0f);
  SGD sgd({.learning_rate = ExponentialDecay({.initial_learning_rate = 1.0, .decay_steps = 1,
                                               .decay_rate = 1e200})});
  sgd.impl()->step({w});  // step 0: rate 1, w = 0
  auto e = capture([&] { sgd.impl()->step({w}); });  // step 1: 1e200, finite in double only
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "at step 1 the schedule gave 1e+200"));  // not 200 digits of to_string
  CHECK(w.to_vector<float>() == std::vector<float>{0.0f});  // untouched, not -inf
}

TEST_CASE("LearningRateScheduler refuses a rate float32 cannot hold, naming the epoch") {
  Sequential m({Input({4}), Dense(2)});
  m.compile({.optimizer = SGD({.learning_rate = 0.1}), .loss = MeanSquaredError()});
  LearningRateScheduler huge([](int epoch, double lr) { return epoch == 1 ? 1e39 : lr; });
  const Tensor x = Tensor::uniform({8, 4}, 1), y = Tensor::uniform({8, 2}, 2);
  auto e = capture([&] { m.fit({x}, y, {.epochs = 2, .verbose = 0, .callbacks = {huge}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "the LearningRateScheduler function's result"));
  CHECK(mentions(e, "for epoch 1 (0-based) the function returned 1e+39"));
}

TEST_CASE("an optimizer shared by variables of other shapes gets fresh slots, never overruns") {
  // One handle compiled into two models (or a model whose trainable layers changed): the
  // second set of variables has as many tensors as the first, of other sizes.
  SGD shared({.learning_rate = 0.5, .momentum = 0.9});
  Tensor small = variable({1.0f, 2.0f}, 1.0f);
  shared.impl()->step({small});
  Tensor large = variable(std::vector<float>(4096, 1.0f), 1.0f);
  shared.impl()->step({large});
  REQUIRE(shared.impl()->slots().size() == 1);
  CHECK(shared.impl()->slots()[0][0].shape() == large.shape());  // old: still (2), overrun
  // As a fresh optimizer's first step: v = -0.5, w = 1 - 0.5.
  CHECK(large.to_vector<float>() == std::vector<float>(4096, 0.5f));
}

TEST_CASE("schedules: an empty handle, no boundary, a negative step: each explained truly") {
  auto e = capture([] { (void)LearningRateSchedule()(0); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "e.g. ExponentialDecay({})"));  // old: "from Input(...), a layer call"
  CHECK(!mentions(e, "Input("));
  // One value and no boundary: old said "0 boundaries need 1 values" of a schedule with 1 value.
  e = capture([] { (void)PiecewiseConstantDecay({.boundaries = {}, .values = {0.1}}); });
  CHECK(mentions(e, "PiecewiseConstantDecayOptions::boundaries = {} (none)"));
  CHECK(!mentions(e, "need 1 values"));
  const CosineDecay warm({.initial_learning_rate = 0, .warmup_target = 1e-3, .warmup_steps = 10});
  e = capture([&] { (void)warm(-5); });  // old: -5e-4, a negative rate extrapolated
  CHECK(mentions(e, "CosineDecay's step = -5"));
  CHECK(warm(5) == doctest::Approx(5e-4));
}

}  // TEST_SUITE
