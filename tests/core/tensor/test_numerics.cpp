// Suite "core/tensor": the tests of numerics.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <cblas.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "data/hdf5_guard.hpp"
#include "support/test_reliability_util.hpp"
#include "support/run_contracts_util.hpp"
#include "support/file_fuzz_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::check_gradients;
namespace fs = std::filesystem;
using tenet::testing::compiled;
using tenet::testing::mlp_x;
using tenet::testing::mlp_y;

TEST_SUITE("core/tensor") {

TEST_CASE("numerics.nonfinite: Inf in the data named with its sample; the failing step changes no weight") {
  clear_session();
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(1, {.seed = 3})(in)), MeanSquaredError());
  std::vector<Tensor> before;
  for (const auto& w : m.weights()) before.push_back(w.clone());
  Tensor x = Tensor::ones({4, 4});
  x.data<float>()[6] = std::numeric_limits<float>::infinity();
  auto e = capture("numerics.nonfinite", [&] {
    m.fit(x, Tensor::zeros({4, 1}), {.verbose = 0, .check_numerics = true});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "finite values");
  CHECK(has(e.actual(), "Inf"));
  CHECK(has(e.what(), "at the start of fit"));  // the arrays are checked before any step
  CHECK(has(e.cause(), "the first is in sample 1."));
  CHECK(has(e.fix(), "clean the data"));
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(allclose(m.weights()[i], before[i], 0, 0));
  CHECK_FALSE(check_numerics());  // switched off again after fit
}

TEST_CASE("numerics checking names the op that produced NaN") {
  auto e = capture([] {
    NumericsScope checking;
    (void)log(Tensor::from_vector(std::vector<float>{1, -1}));
  });
  CHECK_FALSE(check_numerics());  // the scope has ended
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.where().find("log") != std::string::npos);
  CHECK(e.actual().find("1 NaN") != std::string::npos);
  CHECK(e.cause().find("log received 1 values <= 0") != std::string::npos);
  Tensor data = Tensor::from_vector(std::vector<float>{1, std::nanf(""), 2});
  auto e2 = capture([&] {
    NumericsScope checking;
    (void)(data * 2.0);
  });
  CHECK(e2.cause().find("input 0 already holds 1 NaN") != std::string::npos);
  CHECK(e2.cause().find("data") != std::string::npos);
}

// ---------------------------------------------------------------- NaN guard

TEST_CASE("numerics: check_numerics names the input and sample holding NaN, the step and counts") {
  clear_session();
  Model m = reliability::small_model(false, 1);
  // Sample 5 would be in the third batch; the arrays are checked whole before the first step.
  auto e = capture([&] {
    m.fit(mlp_x(5), mlp_y(), {.epochs = 1, .batch_size = 2, .shuffle = false, .verbose = 0,
                              .check_numerics = true});
  });
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.phase() == Phase::run);
  const std::string what = e.what();
  INFO(what);
  CHECK(what.find("holds non-finite values at the start of fit") != std::string::npos);
  // The data is named before any layer sees it: the Input, not the first Dense.
  CHECK(e.site().name == m.inputs()[0].name());
  CHECK(what.find("input 0 ('" + m.inputs()[0].name() + "') holds non-finite values") !=
        std::string::npos);
  CHECK(e.expected() == "finite values");
  CHECK(e.actual().find("1 NaN and 0 Inf among 24 values of (8, 3)") != std::string::npos);
  CHECK(e.actual().find("first at flat index 16") != std::string::npos);
  CHECK(e.cause().find("the first is in sample 5.") != std::string::npos);
  CHECK(m.optimizer().impl()->iterations() == 0);  // nothing trained
  CHECK(e.fix().find("clean the data") != std::string::npos);
  // Checking belonged to that fit call: it is off again.
  CHECK_FALSE(check_numerics());
}

TEST_CASE("numerics: a non-finite gradient is caught in the backward pass at its first op") {
  NumericsScope checking;
  Tensor x = Tensor::from_vector(std::vector<float>{4.0f, 0.0f, 1.0f}).requires_grad(true);
  Tensor y = sqrt(x);  // the forward pass is finite: 2, 0, 1
  CHECK(y.to_vector<float>() == std::vector<float>{2.0f, 0.0f, 1.0f});
  // d sqrt(x) / dx = dout / (2 sqrt(x)): the backward closure's division gives Inf at x = 0.
  auto e = capture([&] { y.sum().backward(); });
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.site().name == "divide");
  const std::string what = e.what();
  INFO(what);
  CHECK(what.find("at training step") == std::string::npos);  // outside fit: no step named
  CHECK(e.actual().find("0 NaN and 1 Inf among 3 values of (3,)") != std::string::npos);
  CHECK(e.actual().find("first at flat index 1") != std::string::npos);
  CHECK_FALSE(x.grad().defined());  // the gradient never reached x
}

}  // TEST_SUITE
