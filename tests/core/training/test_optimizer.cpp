// Suite "core/training": the tests of optimizer.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>

#include "support/test_util.hpp"
#include "support/model_options_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
using tenet::testing::has;
using tenet::testing::kInf;
using tenet::testing::kNaN;
using tenet::testing::check_invalid;

TEST_SUITE("core/training") {

TEST_CASE("SGD and Adam follow Keras's update rules") {
  Tensor w = Tensor::from_vector(std::vector<float>{1.0f, -2.0f}).requires_grad(true);
  SGD sgd({.learning_rate = 0.1, .momentum = 0.9});
  w.set_grad(Tensor::from_vector(std::vector<float>{0.5f, 1.0f}));
  sgd.impl()->step({w});  // v = -0.05, -0.1
  sgd.impl()->step({w});  // v = 0.9 v - 0.1 g = -0.095, -0.19
  CHECK(w.at({0}) == doctest::Approx(1.0 - 0.05 - 0.095).epsilon(1e-6));
  CHECK(w.at({1}) == doctest::Approx(-2.0 - 0.1 - 0.19).epsilon(1e-6));
  Tensor u = Tensor::from_vector(std::vector<float>{1.0f}).requires_grad(true);
  Adam adam({.learning_rate = 0.01});
  u.set_grad(Tensor::from_vector(std::vector<float>{0.3f}));
  adam.impl()->step({u});
  adam.impl()->step({u});
  // Two steps of g = 0.3: m = 0.057, v = 0.0001791; alpha = 0.01 sqrt(1-0.999^2)/(1-0.9^2)
  double m1 = 0.1 * 0.3, v1 = 0.001 * 0.09, a1 = 0.01 * std::sqrt(1 - 0.999) / (1 - 0.9);
  double w1 = 1.0 - a1 * m1 / (std::sqrt(v1) + 1e-7);
  double m2 = m1 + (0.3 - m1) * 0.1, v2 = v1 + (0.09 - v1) * 0.001;
  double a2 = 0.01 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
  CHECK(u.at({0}) == doctest::Approx(w1 - a2 * m2 / (std::sqrt(v2) + 1e-7)).epsilon(1e-5));
  SGD nesterov({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  Tensor z = Tensor::from_vector(std::vector<float>{0.0f}).requires_grad(true);
  z.set_grad(Tensor::from_vector(std::vector<float>{1.0f}));
  nesterov.impl()->step({z});  // v = -0.1; w += 0.9 * -0.1 - 0.1
  CHECK(z.at({0}) == doctest::Approx(-0.19).epsilon(1e-6));
}

// Defect (fixed): optimizer updates ran in the calling thread's own mode, so Adam's g * g of a
// shrinking gradient became a denormal there (flushed on the pool's threads): on an Intel Xeon
// each denormal operand costs a microcode assist, and the main job's later epochs took 9-10 ms
// a step against 6-7 (docs/architecture.md, "Denormals and threads"). Updates now flush, as the
// kernels do, and leave the caller's mode as it was.
TEST_CASE("optimizer updates flush denormals as the kernels do, and keep the caller's mode") {
  for (const bool flush : {true, false}) {
    CAPTURE(flush);
    set_flush_denormals(flush);
    Tensor u = Tensor::from_vector(std::vector<float>{1.0f}).requires_grad(true);
    Adam adam({.learning_rate = 0.01});
    u.set_grad(Tensor::from_vector(std::vector<float>{1e-20f}));  // g * g = 1e-40: denormal
    adam.impl()->step({u});
    const float v = adam.impl()->slots()[0][1].at({0});  // (1 - 0.999) g^2 = 1e-43
    if (flush)
      CHECK(v == 0.0f);
    else
      CHECK((v > 0.0f && v < 1e-38f));
  }
  set_flush_denormals(true);
}

TEST_CASE("options.invalid: optimizer hyperparameters, checked when the optimizer is made") {
  auto sgd = [](SGDOptions o) { return capture([&] { (void)SGD(o); }); };
  check_invalid(sgd({.learning_rate = kNaN}), "SGDOptions::learning_rate", "NaN", "a finite number > 0");
  check_invalid(sgd({.learning_rate = kInf}), "SGDOptions::learning_rate", "inf", "> 0");
  check_invalid(sgd({.learning_rate = 0}), "SGDOptions::learning_rate", "0", "> 0");
  check_invalid(sgd({.learning_rate = -0.01}), "SGDOptions::learning_rate", "-0.01", "> 0");
  check_invalid(sgd({.momentum = 1.0}), "SGDOptions::momentum", "1", "[0, 1)");
  check_invalid(sgd({.momentum = -0.5}), "SGDOptions::momentum", "-0.5", "[0, 1)");
  auto adam = [](AdamOptions o) { return capture([&] { (void)Adam(o); }); };
  check_invalid(adam({.learning_rate = kNaN}), "AdamOptions::learning_rate", "NaN", "> 0");
  check_invalid(adam({.beta_1 = 1.0}), "AdamOptions::beta_1", "1", "[0, 1)");
  check_invalid(adam({.beta_2 = -0.1}), "AdamOptions::beta_2", "-0.1", "[0, 1)");
  check_invalid(adam({.beta_2 = kNaN}), "AdamOptions::beta_2", "NaN", "[0, 1)");
  check_invalid(adam({.epsilon = 0}), "AdamOptions::epsilon", "0", "> 0");
  auto where = sgd({.learning_rate = 0});
  CHECK(has(where.where(), "test_optimizer.cpp"));  // the user's line
  CHECK(where.phase() == Phase::build);
  SGD ok({.learning_rate = 0.5});
  check_invalid(capture([&] { ok.impl()->set_learning_rate(kNaN); }), "SGD::set_learning_rate",
                "NaN", "> 0");
  CHECK(ok.impl()->learning_rate() == 0.5);
  // Callback options.
  check_invalid(capture([] { (void)ReduceLROnPlateau({.factor = 1.0}); }),
                "ReduceLROnPlateauOptions::factor", "1", "(0, 1)");
  check_invalid(capture([] { (void)ReduceLROnPlateau({.min_lr = -1}); }),
                "ReduceLROnPlateauOptions::min_lr", "-1", ">= 0");
  check_invalid(capture([] { (void)EarlyStopping({.patience = -2}); }),
                "EarlyStoppingOptions::patience", "-2", ">= 0");
}

}  // TEST_SUITE
