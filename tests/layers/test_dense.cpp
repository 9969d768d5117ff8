// Suite "layers": the tests of dense.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <algorithm>
#include <cmath>
#include <string>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/gradcheck.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::check_gradients;
using tenet::testing::capture;
using tenet::testing::has;

namespace {

// y[i][j] = act(sum_k x[i][k] * w[k][j] + b[j]) in double.
std::vector<double> dense_reference(const Tensor& x, const Tensor& w, const Tensor& b, bool relu) {
  auto vx = x.to_vector<double>(), vw = w.to_vector<double>(), vb = b.to_vector<double>();
  const std::int64_t n = x.dim(0), k = x.dim(1), u = w.dim(1);
  std::vector<double> y(static_cast<std::size_t>(n * u));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < u; ++j) {
      double s = vb.empty() ? 0.0 : vb[j];
      for (std::int64_t q = 0; q < k; ++q) s += vx[i * k + q] * vw[q * u + j];
      y[i * u + j] = relu && s < 0 ? 0.0 : s;
    }
  return y;
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("dense.features: a shared Dense called twice, 2048 where it was built for 1024") {
  clear_session();
  Dense head(10, {.name = "head"}); const unsigned line = __LINE__;
  (void)head(Input({1024}, {.name = "narrow"}));
  auto wide = Dense(2048, {.name = "widen"})(Input({64}, {.name = "small"}));
  auto e = capture("dense.features", [&] { (void)head(wide); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'head' (Dense) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 1024)");
  CHECK(e.actual() == "(None, 2048)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "built for 1024"));
  CHECK(has(e.cause(), "'widen' (Dense)"));
  CHECK(has(e.fix(), "new Dense"));
  // provenance lists the upstream layers with shapes
  REQUIRE(e.provenance().size() == 2);
  CHECK(has(e.provenance()[1], "widen (Dense"));
  CHECK(has(e.provenance()[1], "(None, 64) -> (None, 2048)"));
  // the same layer eagerly: phase run
  auto r = capture("dense.features", [&] { (void)head(Tensor::zeros({3, 512})); });
  CHECK(r.phase() == Phase::run);
  CHECK(r.actual() == "(3, 512)");
}

TEST_CASE("dense.undefined: None height/width, Flatten, Dense") {
  clear_session();
  auto in = Input({kUnknown, kUnknown, 3});
  auto x = Flatten()(Conv2D(8, {3, 3})(in));
  Dense d(10); const unsigned line = __LINE__;
  auto e = capture("dense.undefined", [&] { (void)d(x); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(None, None)");
  CHECK(has(e.cause(), "'flatten' (Flatten)"));
  CHECK(has(e.fix(), "GlobalAveragePooling2D"));
  CHECK(e.provenance().size() == 3);
}

TEST_CASE("Dense forward matches a double-precision reference; kernel is (in, units)") {
  for (bool relu : {false, true}) {
    Dense d(7, {.activation = relu ? Activation::relu : Activation::none, .seed = 3});
    Tensor x = Tensor::randn({5, 11}, 4);
    Tensor y = d(x);
    auto w = d.weights();
    REQUIRE(w.size() == 2);
    CHECK(w[0].shape() == Shape{11, 7});
    CHECK(w[1].shape() == Shape{7});
    d.set_weights({w[0], Tensor::randn({7}, 9)});  // a non-zero bias
    y = d(x);
    auto ref = dense_reference(x, d.weights()[0], d.weights()[1], relu);
    auto got = y.to_vector<double>();
    for (std::size_t i = 0; i < ref.size(); ++i) CHECK(got[i] == doctest::Approx(ref[i]).epsilon(1e-5));
  }
  // Glorot-uniform limit sqrt(6 / (in + units)), zero bias.
  Dense g(50, {.seed = 1});
  (void)g(Tensor::zeros({1, 30}));
  auto kv = g.weights()[0].to_vector<float>();
  const double limit = std::sqrt(6.0 / 80.0);
  CHECK(*std::max_element(kv.begin(), kv.end()) <= limit);
  CHECK(*std::min_element(kv.begin(), kv.end()) >= -limit);
  CHECK(g.weights()[1].sum().item() == 0.0);
}

TEST_CASE("Dense gradients: input, kernel and bias, with and without ReLU and bias") {
  for (auto act : {Activation::none, Activation::relu, Activation::softmax})
    for (bool bias : {true, false}) {
      Dense d(4, {.activation = act, .use_bias = bias, .seed = 5});
      Tensor x = Tensor::randn({3, 6}, 6).requires_grad(true);
      (void)d(x);
      check_gradients([&](const std::vector<Tensor>& v) { return d(v[0]); }, {x}, d.weights());
    }
}

TEST_CASE("Dense contracts: rank, features after build, unknown features") {
  Dense d(3, {.name = "head"});
  auto in = Input({8});
  (void)d(in);
  try {
    (void)d(Input({16}));
    FAIL("expected dense.features");
  } catch (const ContractError& e) {
    CHECK(e.code() == "dense.features");
    CHECK(e.phase() == Phase::build);
    CHECK(e.where().find("'head' (Dense)") != std::string::npos);
    CHECK(e.expected() == "(None, 8)");
    CHECK(e.actual() == "(None, 16)");
    CHECK(e.fix().find("new Dense layer") != std::string::npos);
  }
  try {
    (void)Dense(3)(Input({4, 4}));
    FAIL("expected dense.rank");
  } catch (const ContractError& e) {
    CHECK(e.code() == "dense.rank");
    CHECK(e.fix().find("Flatten()") != std::string::npos);
  }
}

TEST_CASE("hostile sizes: Dense(10^12) names the layer and the bytes instead of bad_alloc") {
  auto e = capture([] { (void)Dense(1000000000000LL, {.name = "wide"})(Input({1})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "wide");
  CHECK(e.phase() == Phase::build);
  CHECK(e.actual() == "(1, 1000000000000)");
  CHECK(has(e, "4000000000000 bytes"));
  // Eagerly too, and the layer stays unbuilt so a later call can still fail the same way.
  Dense d(1000000000000LL, {.name = "wide_eager"});
  e = capture([&] { (void)d(Tensor::ones({2, 3})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "wide_eager");
  CHECK(d.weights().empty());
}

}  // TEST_SUITE
