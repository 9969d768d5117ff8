// Optimizers and learning-rate schedules against Keras 3.15.1: the tables below are printed by
// scripts/make_optimizer_reference.py (same start values, same gradients, 6 steps).
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;

namespace {

const std::vector<float> kW0{0.5f, -1.5f, 2.0f, 0.0f, 0.25f, -0.75f};

std::vector<float> keras_gradient(int t) {  // the script's grad(t)
  std::vector<float> g;
  for (std::size_t i = 0; i < kW0.size(); ++i)
    g.push_back(static_cast<float>(std::sin(0.7 * static_cast<double>(i + 1) + 1.3 * t) *
                                   (1 + 0.5 * static_cast<double>(i))));
  return g;
}

std::vector<float> run_six_steps(const Optimizer& opt) {
  Tensor w = Tensor::from_vector(kW0).requires_grad(true);
  for (int t = 0; t < 6; ++t) {
    w.set_grad(Tensor::from_vector(keras_gradient(t)));
    opt.impl()->step({w});
  }
  return w.to_vector<float>();
}

const std::map<std::string, std::vector<double>> kKeras{
  {"sgd_momentum_nesterov", {0.297351301, -1.79434228, 1.80496299, 0.117639035, 0.758496404, -0.00721570849}},
  {"adam", {0.472615719, -1.52173865, 1.98823154, 0.00175428635, 0.278115124, -0.725019455}},
  {"adamw", {0.469732434, -1.51267231, 1.97631526, 0.00176119397, 0.276506275, -0.720631003}},
  {"rmsprop", {0.461387753, -1.53313458, 1.97619057, -0.015788747, 0.292758346, -0.714509964}},
  {"rmsprop_momentum_centered", {0.439651579, -1.54336143, 1.97597456, -0.0150941424, 0.321786374, -0.698684037}},
  {"adam_exponential", {0.459028065, -1.53451133, 1.97748077, -0.00587880332, 0.29175505, -0.711739182}},
  {"sgd_cosine_warmup", {0.55874759, -1.37058282, 2.14646149, 0.0643543303, 0.148438081, -1.02134681}},
  {"rmsprop_piecewise", {0.372716159, -1.58496857, 1.96335363, -0.00968891196, 0.400077313, -0.644954383}},
  {"exponential_staircase", {0.100000001, 0.100000001, 0.100000001, 0.0500000007, 0.0500000007, 0.0500000007, 0.0250000004, 0.0250000004, 0.0250000004, 0.0125000002}},
  {"exponential", {0.100000001, 0.0793700516, 0.0629960522, 0.0500000007, 0.0396850258, 0.0314980261, 0.0250000004, 0.0198425148, 0.0157490131, 0.0125000002}},
  {"cosine", {0.100000001, 0.0923606753, 0.0723606795, 0.0476393178, 0.0276393183, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014}},
  {"cosine_warmup", {0, 0.0666666701, 0.13333334, 0.200000003, 0.170710683, 0.099999994, 0.0292893238, 0, 0, 0}},
  {"piecewise", {0.300000012, 0.300000012, 0.300000012, 0.200000003, 0.200000003, 0.200000003, 0.100000001, 0.100000001, 0.100000001, 0.100000001}},
};

// Keras computes in float32: agreement to a few float32 ulps of the values' scale.
void check_close(const std::vector<float>& got, const std::string& name) {
  const auto& want = kKeras.at(name);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(name << "[" << i << "]: tenet " << got[i] << ", Keras " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= 2e-6 * (1 + std::abs(want[i])));
  }
}

void check_rates(const LearningRateSchedule& s, const std::string& name) {
  std::vector<float> got;
  for (int step = 0; step < 10; ++step) got.push_back(static_cast<float>(s(step)));
  check_close(got, name);
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("SGD, Adam, AdamW and RMSprop match Keras step by step") {
  check_close(run_six_steps(SGD({.learning_rate = 0.05, .momentum = 0.9, .nesterov = true})),
              "sgd_momentum_nesterov");
  check_close(run_six_steps(Adam({.learning_rate = 0.01})), "adam");
  check_close(run_six_steps(AdamW({.learning_rate = 0.01, .weight_decay = 0.1})), "adamw");
  check_close(run_six_steps(RMSprop({.learning_rate = 0.01})), "rmsprop");
  check_close(run_six_steps(RMSprop({.learning_rate = 0.01, .rho = 0.8, .momentum = 0.5,
                                     .centered = true})),
              "rmsprop_momentum_centered");
}

TEST_CASE("optimizers driven by schedules match Keras") {
  check_close(run_six_steps(Adam({.learning_rate = ExponentialDecay({.initial_learning_rate = 0.02,
                                                                     .decay_steps = 2,
                                                                     .decay_rate = 0.5})})),
              "adam_exponential");
  check_close(run_six_steps(SGD({.learning_rate = CosineDecay({.initial_learning_rate = 0.0,
                                                               .decay_steps = 4,
                                                               .alpha = 0.1,
                                                               .warmup_target = 0.1,
                                                               .warmup_steps = 2})})),
              "sgd_cosine_warmup");
  check_close(run_six_steps(RMSprop({.learning_rate = PiecewiseConstantDecay(
                                         {.boundaries = {1, 3}, .values = {0.03, 0.02, 0.01}})})),
              "rmsprop_piecewise");
}

TEST_CASE("schedules give Keras's rates step by step") {
  check_rates(ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 3,
                                .decay_rate = 0.5, .staircase = true}),
              "exponential_staircase");
  check_rates(ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 3,
                                .decay_rate = 0.5}),
              "exponential");
  check_rates(CosineDecay({.initial_learning_rate = 0.1, .decay_steps = 5, .alpha = 0.2}),
              "cosine");
  check_rates(CosineDecay({.initial_learning_rate = 0.0, .decay_steps = 4,
                           .warmup_target = 0.2, .warmup_steps = 3}),
              "cosine_warmup");
  check_rates(PiecewiseConstantDecay({.boundaries = {2, 5}, .values = {0.3, 0.2, 0.1}}),
              "piecewise");
}

TEST_CASE("an optimizer reports its schedule's rate for the next step") {
  Adam adam({.learning_rate = PiecewiseConstantDecay({.boundaries = {1}, .values = {0.5, 0.25}})});
  CHECK(adam.impl()->learning_rate() == 0.5);
  Tensor w = Tensor::from_vector(std::vector<float>{1.0f}).requires_grad(true);
  for (int t = 0; t < 2; ++t) {
    w.set_grad(Tensor::from_vector(std::vector<float>{1.0f}));
    adam.impl()->step({w});
  }
  CHECK(adam.impl()->iterations() == 2);
  CHECK(adam.impl()->learning_rate() == 0.25);
}

}  // TEST_SUITE
