// Model::trace (core/training/model_trace.cpp): per-layer output statistics and gradient norms
// of a tiny model, against values computed here independently in double precision.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;

namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix matmul_add(const Matrix& a, const Matrix& w, const std::vector<double>& b, bool relu) {
  Matrix out(a.size(), std::vector<double>(b.size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j) {
      double s = b[j];
      for (std::size_t k = 0; k < w.size(); ++k) s += a[i][k] * w[k][j];
      out[i][j] = relu ? std::max(s, 0.0) : s;
    }
  return out;
}

struct Stats {
  double mean = 0, std = 0, min = 1e300, max = -1e300, zeros = 0;
};
Stats stats(const Matrix& m) {
  Stats s;
  double n = 0;
  for (const auto& r : m)
    for (double v : r) s.mean += v, n += 1, s.min = std::min(s.min, v), s.max = std::max(s.max, v), s.zeros += v == 0;
  s.mean /= n;
  for (const auto& r : m)
    for (double v : r) s.std += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(s.std / n);
  s.zeros /= n;
  return s;
}

void check_row(const TraceRow& row, const Matrix& want) {
  const Stats s = stats(want);
  CHECK(row.mean == doctest::Approx(s.mean).epsilon(1e-6));
  CHECK(row.std == doctest::Approx(s.std).epsilon(1e-6));
  CHECK(row.min == doctest::Approx(s.min).epsilon(1e-6));
  CHECK(row.max == doctest::Approx(s.max).epsilon(1e-6));
  CHECK(row.zero_fraction == doctest::Approx(s.zeros));
}

Tensor f32(const Matrix& m) {
  std::vector<float> v;
  for (const auto& r : m)
    for (double x : r) v.push_back(static_cast<float>(x));
  return Tensor::from_vector(v, {static_cast<std::int64_t>(m.size()), static_cast<std::int64_t>(m[0].size())});
}

}  // namespace

TEST_CASE("Model::trace: output statistics and gradient norms match a hand computation") {
  const Matrix x = {{1, 2, 3}, {-1, 0, 2}}, w1 = {{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}}, w2 = {{0.7}, {-0.3}};
  const std::vector<double> b1 = {0.05, -0.1}, b2 = {0.2}, y = {1, 0};
  auto in = Input({3}, {.name = "x"});
  Dense hidden(2, {.activation = Activation::relu, .name = "hidden"});
  Dense head(1, {.name = "head"});
  Model m(in, head(hidden(in)), "tiny");
  hidden.set_weights({f32(w1), Tensor::from_vector(std::vector<float>{0.05f, -0.1f}, {2})});
  head.set_weights({f32(w2), Tensor::from_vector(std::vector<float>{0.2f}, {1})});
  m.compile({.optimizer = SGD({.learning_rate = 0.1}), .loss = MeanSquaredError()});
  const auto before = testing::clones(m.weights());

  const ModelTrace t = m.trace({f32(x)}, f32({{1}, {0}}));

  const Matrix h = matmul_add(x, w1, b1, true), p = matmul_add(h, w2, b2, false);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0].layer == "x");
  CHECK(t.rows[1].layer == "hidden");
  CHECK(t.rows[1].type == "Dense");
  CHECK(t.rows[2].shape == Shape({2, 1}));
  CHECK(t.rows[2].dtype == DType::f32);
  check_row(t.rows[0], x);
  check_row(t.rows[1], h);
  check_row(t.rows[2], p);
  CHECK(t.rows[1].zero_fraction > 0);  // the hand values give one dead unit for sample 2

  // MSE over N = 2 outputs: dL/dp = 2 (p - y) / 2.
  std::vector<double> dp = {p[0][0] - y[0], p[1][0] - y[1]};
  double loss = (dp[0] * dp[0] + dp[1] * dp[1]) / 2;
  REQUIRE(t.loss.has_value());
  CHECK(*t.loss == doctest::Approx(loss).epsilon(1e-6));
  double head_sq = (dp[0] + dp[1]) * (dp[0] + dp[1]), hidden_sq = 0;
  for (int j = 0; j < 2; ++j) {
    head_sq += std::pow(h[0][j] * dp[0] + h[1][j] * dp[1], 2);
    double db = 0;  // the ReLU passes the gradient where its output is positive
    for (int i = 0; i < 2; ++i) db += h[i][j] > 0 ? dp[i] * w2[j][0] : 0.0;
    for (int k = 0; k < 3; ++k) {
      double dw = 0;
      for (int i = 0; i < 2; ++i) dw += x[i][k] * (h[i][j] > 0 ? dp[i] * w2[j][0] : 0.0);
      hidden_sq += dw * dw;
    }
    hidden_sq += db * db;
  }
  CHECK_FALSE(t.rows[0].grad_norm.has_value());
  REQUIRE(t.rows[1].grad_norm.has_value());
  CHECK(*t.rows[1].grad_norm == doctest::Approx(std::sqrt(hidden_sq)).epsilon(1e-5));
  CHECK(*t.rows[2].grad_norm == doctest::Approx(std::sqrt(head_sq)).epsilon(1e-5));
  CHECK(testing::bitwise_equal(m.weights(), before));  // tracing trains nothing
  for (const auto& w : m.trainable_weights())
    if (w.grad().defined())
      for (float g : w.grad().to_vector<float>()) CHECK(g == 0.0f);  // gradients cleared
}

TEST_CASE("Model::trace: without labels no gradients; bad data raises the check_data code") {
  auto in = Input({4}, {.name = "features"});
  Model m(in, Dense(3, {.seed = 1})(in), "plain");
  const ModelTrace t = m.trace({Tensor::ones({5, 4})});
  REQUIRE(t.rows.size() == 2);
  CHECK_FALSE(t.loss.has_value());
  CHECK_FALSE(t.rows[1].grad_norm.has_value());
  CHECK(t.rows[0].mean == doctest::Approx(1.0));
  CHECK(t.rows[0].std == doctest::Approx(0.0));
  const auto e = testing::capture([&] { (void)m.trace({Tensor::ones({5, 7})}); });
  CHECK(e.code() == "input.shape");
}

TEST_CASE("Model::trace: a ReLU layer's row shows its own output, not a fused one") {
  auto in = Input({2}, {.name = "v"});
  auto x = Dense(2, {.seed = 3, .name = "lin"})(in);
  Model m(in, ReLU()(x), "relu_after");
  const ModelTrace t = m.trace({Tensor::from_vector(std::vector<float>{-1, 2, 3, -4}, {2, 2})});
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[1].min < 0);   // the Dense output before its ReLU has negative values ...
  CHECK(t.rows[2].min >= 0);  // ... the ReLU's row has none
}
