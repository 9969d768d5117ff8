// LearningRateScheduler sets the rate per epoch as Keras's does; callbacks that set the rate
// refuse an optimizer whose rate comes from a schedule, before training starts.
#include <cmath>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

namespace {

Model small_model(const Optimizer& opt) {
  Sequential m({Input({4}), Dense(2)});
  m.compile({.optimizer = opt, .loss = MeanSquaredError()});
  return m;
}

const Tensor kX = Tensor::uniform({16, 4}, 1), kY = Tensor::uniform({16, 2}, 2);

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("LearningRateScheduler sets each epoch's rate and logs it") {
  Model m = small_model(SGD({.learning_rate = 0.1}));
  std::vector<int> epochs_seen;
  LearningRateScheduler halve([&](int epoch, double lr) {
    epochs_seen.push_back(epoch);
    return epoch == 0 ? lr : lr / 2;
  });
  History h = m.fit({kX}, kY, {.epochs = 3, .verbose = 0, .callbacks = {halve}});
  CHECK(epochs_seen == std::vector<int>{0, 1, 2});  // 0-based, as Keras
  CHECK(h["learning_rate"] == std::vector<double>{0.1, 0.05, 0.025});
  CHECK(m.optimizer().impl()->learning_rate() == 0.025);
}

TEST_CASE("LearningRateScheduler refuses a rate that would break training, naming the epoch") {
  Model m = small_model(SGD({.learning_rate = 0.1}));
  LearningRateScheduler broken([](int epoch, double lr) { return epoch == 1 ? std::nan("") : lr; });
  auto e = capture([&] { m.fit({kX}, kY, {.epochs = 2, .verbose = 0, .callbacks = {broken}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "for epoch 1 (0-based) the function returned NaN"));
  e = capture([] { LearningRateScheduler(nullptr); });
  CHECK(mentions(e, "the schedule function of LearningRateScheduler"));
}

TEST_CASE("rate-setting callbacks refuse a scheduled optimizer before the first step") {
  for (const Callback& cb : {Callback(ReduceLROnPlateau({.monitor = "loss"})),
                             Callback(LearningRateScheduler([](int, double lr) { return lr; }))}) {
    Model m = small_model(Adam({.learning_rate = CosineDecay({.decay_steps = 10})}));
    const auto before = m.weights()[0].to_vector<float>();
    auto e = capture([&] { m.fit({kX}, kY, {.epochs = 1, .verbose = 0, .callbacks = {cb}}); });
    CHECK(e.code() == "options.invalid");
    CHECK(mentions(e, "was given a CosineDecay as learning_rate"));
    CHECK(m.weights()[0].to_vector<float>() == before);  // nothing trained
  }
}

TEST_CASE("fit with a scheduled optimizer logs the rate each step used") {
  Model m = small_model(SGD({.learning_rate = PiecewiseConstantDecay(
                                 {.boundaries = {0}, .values = {0.5, 0.125}})}));
  m.fit({kX}, kY, {.epochs = 1, .batch_size = 8, .verbose = 0});  // two steps: 0.5, then 0.125
  CHECK(m.optimizer().impl()->iterations() == 2);
  CHECK(m.optimizer().impl()->learning_rate() == 0.125);
}

}  // TEST_SUITE
