// Learning-rate schedules and the new optimizers refuse nonsense options and rates with
// options.invalid, each explained for its case.
#include <cmath>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

TEST_SUITE("core/training") {

TEST_CASE("schedule options outside their ranges are options.invalid, named") {
  auto e = capture([] { ExponentialDecay({.decay_steps = 0}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "ExponentialDecayOptions::decay_steps"));
  e = capture([] { ExponentialDecay({.decay_rate = -0.5}); });
  CHECK(mentions(e, "ExponentialDecayOptions::decay_rate"));
  e = capture([] { PiecewiseConstantDecay({.boundaries = {10, 20}, .values = {0.1, 0.01}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "2 boundaries need 3 values"));
  e = capture([] { PiecewiseConstantDecay({.boundaries = {10, 5}, .values = {0.1, 0.01, 0.001}}); });
  CHECK(mentions(e, "boundaries[1]"));
  CHECK(mentions(e, "above the boundary before it (10)"));
  e = capture([] { CosineDecay({.alpha = 1.5}); });
  CHECK(mentions(e, "CosineDecayOptions::alpha"));
  e = capture([] { CosineDecay({.initial_learning_rate = 0.0}); });
  CHECK(mentions(e, "every step would have rate 0"));
  e = capture([] { CosineDecay({.warmup_steps = 5}); });  // a warmup without its target
  CHECK(mentions(e, "CosineDecayOptions::warmup_steps"));
  e = capture([] { AdamW({.weight_decay = -0.1}); });
  CHECK(mentions(e, "AdamWOptions::weight_decay"));
  CHECK(mentions(e, "grow the weights"));
  e = capture([] { RMSprop({.rho = 1.0}); });
  CHECK(mentions(e, "RMSpropOptions::rho"));
  e = capture([] { RMSprop({.learning_rate = std::nan("")}); });
  CHECK(mentions(e, "RMSpropOptions::learning_rate"));
}

TEST_CASE("a schedule whose rate runs away is refused at the step that would use it") {
  Tensor w = Tensor::from_vector(std::vector<float>{1.0f}).requires_grad(true);
  SGD sgd({.learning_rate = ExponentialDecay({.initial_learning_rate = 1.0, .decay_steps = 1,
                                               .decay_rate = 1e200})});
  w.set_grad(Tensor::from_vector(std::vector<float>{1.0f}));
  sgd.impl()->step({w});  // step 0: rate 1
  auto e = capture([&] { sgd.impl()->step({w}); });  // step 1: 1e200, inf in float32
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "at step 1 the schedule gave 1e+200"));
  CHECK(mentions(e, "a decay_rate above 1 grows without bound"));
}

TEST_CASE("a rate driven by a schedule cannot also be set") {
  Adam adam({.learning_rate = ExponentialDecay({})});
  auto e = capture([&] { adam.impl()->set_learning_rate(0.1); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Adam::set_learning_rate"));
  CHECK(mentions(e, "ExponentialDecay"));
  Adam fixed({.learning_rate = 0.01});
  fixed.impl()->set_learning_rate(0.1);
  CHECK(fixed.impl()->learning_rate() == 0.1);
}

}  // TEST_SUITE
