// Dense: forward against a double-precision reference, gradients against finite differences,
// Keras's kernel layout (in, units), and its contracts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "gradcheck.hpp"

using namespace tenet;
using tenet::testing::check_gradients;

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

}  // TEST_SUITE
