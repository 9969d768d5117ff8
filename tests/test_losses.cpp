// Suite "losses": CategoricalCrossentropy, SparseCategoricalCrossentropy and MeanSquaredError
// against plain double references (Keras's clipping included), their gradients through
// tests/gradcheck.hpp for both from_logits settings, and every label contract with its facts.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <algorithm>
#include <cmath>

#include "gradcheck.hpp"
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

namespace {

bool has(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

using Rows = std::vector<std::vector<double>>;

Tensor rows_tensor(const Rows& r) {
  std::vector<float> v;
  for (const auto& row : r) v.insert(v.end(), row.begin(), row.end());
  return Tensor::from_vector(v, {static_cast<std::int64_t>(r.size()),
                                 static_cast<std::int64_t>(r[0].size())});
}

// Keras, from probabilities: p / sum(p), clipped to [1e-7, 1 - 1e-7], -sum(y log p), batch mean.
double ref_ce_probs(const Rows& p, const Rows& y) {
  double total = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double s = 0;
    for (double v : p[i]) s += v;
    for (std::size_t k = 0; k < p[i].size(); ++k)
      total -= y[i][k] * std::log(std::clamp(p[i][k] / s, 1e-7, 1 - 1e-7));
  }
  return total / static_cast<double>(p.size());
}

// From logits: log-sum-exp minus the true logit, in long double for headroom.
double ref_ce_logits(const Rows& z, const Rows& y) {
  long double total = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    long double m = *std::max_element(z[i].begin(), z[i].end()), s = 0;
    for (double v : z[i]) s += std::exp(static_cast<long double>(v) - m);
    for (std::size_t k = 0; k < z[i].size(); ++k) total += y[i][k] * (m + std::log(s) - z[i][k]);
  }
  return static_cast<double>(total / z.size());
}

Rows one_hot_rows(const std::vector<int>& idx, int c) {
  Rows r(idx.size(), std::vector<double>(static_cast<std::size_t>(c), 0.0));
  for (std::size_t i = 0; i < idx.size(); ++i) r[i][static_cast<std::size_t>(idx[i])] = 1;
  return r;
}

const Rows kProbs = {{0.7, 0.2, 0.1}, {0.0, 0.5, 0.5}, {0.2, 0.3, 0.5}, {1.0, 0.0, 0.0}};
const Rows kLogits = {{2.0, -1.0, 0.5}, {1000.0, -1000.0, 0.0}, {-3.0, 4.0, 4.0}, {0.1, 0.1, 0.1}};
const std::vector<int> kClasses = {0, 0, 2, 1};  // row 1 puts p = 0 on its class: the clip bites

}  // namespace

TEST_SUITE("losses") {

TEST_CASE("names and label kinds are Keras's") {
  CHECK(CategoricalCrossentropy().impl()->name() == "categorical_crossentropy");
  CHECK(SparseCategoricalCrossentropy().impl()->name() == "sparse_categorical_crossentropy");
  CHECK(MeanSquaredError().impl()->name() == "mean_squared_error");
  CHECK(CategoricalCrossentropy().impl()->label_kind() == LabelKind::one_hot);
  CHECK(SparseCategoricalCrossentropy().impl()->label_kind() == LabelKind::sparse);
  CHECK(MeanSquaredError().impl()->label_kind() == LabelKind::dense);
}

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

TEST_CASE("sparse categorical cross-entropy equals the one-hot loss, any integer dtype") {
  Rows y = one_hot_rows(kClasses, 3);
  std::vector<std::int64_t> idx(kClasses.begin(), kClasses.end());
  Tensor l64 = Tensor::from_vector(idx);
  for (Tensor labels : {l64, l64.astype(DType::i32), l64.astype(DType::u8), l64.reshape({4, 1})}) {
    CAPTURE(labels.shape());
    Tensor p = SparseCategoricalCrossentropy()(rows_tensor(kProbs), labels);
    CHECK(p.item() == doctest::Approx(ref_ce_probs(kProbs, y)).epsilon(1e-5));
    Tensor z = SparseCategoricalCrossentropy({.from_logits = true})(rows_tensor(kLogits), labels);
    CHECK(std::isfinite(z.item()));
    CHECK(z.item() == doctest::Approx(ref_ce_logits(kLogits, y)).epsilon(1e-5));
  }
}

TEST_CASE("mean squared error against the double reference") {
  Tensor p = Tensor::from_vector(std::vector<float>{1.5, -2, 0, 4, 3, 1}, {3, 2});
  Tensor t = Tensor::from_vector(std::vector<float>{1, 0, 0.5, 4, -1, 1}, {3, 2});
  double want = (0.25 + 4 + 0.25 + 0 + 16 + 0) / 6;
  CHECK(MeanSquaredError()(p, t).item() == doctest::Approx(want).epsilon(1e-6));
  // (N,) targets against (N, 1) predictions are paired, not broadcast to (N, N).
  Tensor p1 = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3, 1});
  Tensor t1 = Tensor::from_vector(std::vector<std::int32_t>{1, 0, 5});
  CHECK(MeanSquaredError()(p1, t1).item() == doctest::Approx((0 + 4 + 4) / 3.0));
}

TEST_CASE("every loss passes gradcheck, both from_logits settings") {
  Tensor probs = Tensor::uniform({4, 3}, 21, 0.1, 1.0).requires_grad(true);
  Tensor logits = Tensor::uniform({4, 3}, 22, -3, 3).requires_grad(true);
  Tensor onehot = rows_tensor(one_hot_rows(kClasses, 3));
  Tensor sparse = Tensor::from_vector(std::vector<std::int32_t>{0, 0, 2, 1});
  for (bool logits_on : {false, true}) {
    CAPTURE(logits_on);
    Tensor x = logits_on ? logits : probs;
    CategoricalCrossentropy cce({.from_logits = logits_on});
    SparseCategoricalCrossentropy scce({.from_logits = logits_on});
    check_gradients([&](const std::vector<Tensor>& in) { return cce(in[0], onehot); }, {x});
    check_gradients([&](const std::vector<Tensor>& in) { return scce(in[0], sparse); }, {x});
  }
  // Soft (non one-hot) targets exercise the general fused gradient softmax * sum(y) - y.
  Tensor soft = rows_tensor({{0.2, 0.3, 0.5}, {1, 0, 0}, {0.5, 0.5, 0}, {0, 0.9, 0.1}});
  CategoricalCrossentropy cce_logits({.from_logits = true});
  check_gradients([&](const std::vector<Tensor>& in) { return cce_logits(in[0], soft); }, {logits});
  Tensor target = Tensor::uniform({4, 3}, 23);
  MeanSquaredError mse;
  check_gradients([&](const std::vector<Tensor>& in) { return mse(in[0], target); }, {logits});
}

TEST_CASE("loss.label_shape: integer class indices given to categorical cross-entropy") {
  Tensor labels = Tensor::zeros({100, 1}, DType::i32);
  auto e = capture([&] {
    CategoricalCrossentropy().impl()->check_labels(Shape{kUnknown, 5}, labels, Phase::build,
                                                   Site("categorical_crossentropy", "Loss"));
  });
  CHECK(e.code() == "loss.label_shape");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 5)");
  CHECK(e.actual() == "(100, 1)");
  CHECK(has(e.cause(), "class indices"));
  CHECK(has(e.fix(), "one_hot(y, 5)"));
  CHECK(has(e.fix(), "SparseCategoricalCrossentropy"));
  // Through the handle the same contract is checked at run time.
  auto r = capture([&] { (void)CategoricalCrossentropy()(Tensor::zeros({100, 5}), labels); });
  CHECK(r.code() == "loss.label_shape");
  CHECK(r.phase() == Phase::run);
}

TEST_CASE("loss.label_shape: one-hot width 10 against 5 outputs") {
  auto e = capture([] { (void)CategoricalCrossentropy()(Tensor::zeros({8, 5}), Tensor::zeros({8, 10})); });
  CHECK(e.code() == "loss.label_shape");
  CHECK(e.expected() == "(8, 5)");
  CHECK(e.actual() == "(8, 10)");
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK(has(e.cause(), "width 10"));
  CHECK(has(e.cause(), "5 outputs"));
  CHECK(has(e.fix(), "one_hot(y, 5)"));
  CHECK(has(e.fix(), "Dense(10)"));
  auto m = capture([] { (void)MeanSquaredError()(Tensor::zeros({8, 2}), Tensor::zeros({8, 3})); });
  CHECK(m.code() == "loss.label_shape");
  CHECK(m.expected() == "(8, 2)");
  auto s = capture([] {
    (void)SparseCategoricalCrossentropy()(Tensor::zeros({8, 5}), Tensor::zeros({8, 5}, DType::i32));
  });
  CHECK(s.code() == "loss.label_shape");
  CHECK(has(s.cause(), "one-hot"));
  CHECK(has(s.fix(), "CategoricalCrossentropy"));
}

TEST_CASE("batch.mismatch: label count differs, and resizing cannot fix it") {
  auto e = capture([] {
    (void)SparseCategoricalCrossentropy()(Tensor::zeros({100, 5}), Tensor::zeros({90}, DType::u8));
  });
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "(100,): one label per prediction");
  CHECK(e.actual() == "(90,)");
  CHECK(has(e.info().summary, "100"));
  CHECK(has(e.cause(), "100 predictions"));
  CHECK(has(e.cause(), "90 labels"));
  CHECK(has(e.cause(), "cannot fix"));
  CHECK(has(e.fix(), "same number of samples"));
  auto c = capture([] { (void)CategoricalCrossentropy()(Tensor::zeros({32, 5}), Tensor::zeros({64, 5})); });
  CHECK(c.code() == "batch.mismatch");
}

TEST_CASE("loss.label_range names the first offending sample and its value") {
  Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{0, 4, 2, 7, 9});
  auto e = capture([&] {
    SparseCategoricalCrossentropy().impl()->check_labels(Shape{kUnknown, 5}, labels, Phase::build,
                                                         Site("sparse_categorical_crossentropy", "Loss"));
  });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.expected(), "[0, 5)"));
  CHECK(has(e.actual(), "sample 3 has label 7"));
  CHECK(has(e.cause(), "0 to 4"));
  CHECK(has(e.fix(), "10 units"));
  // 1-based labels are recognised as such.
  Tensor one_based = Tensor::from_vector(std::vector<std::uint8_t>{1, 2, 3});
  auto b = capture([&] { (void)SparseCategoricalCrossentropy()(Tensor::zeros({3, 3}), one_based); });
  CHECK(b.code() == "loss.label_range");
  CHECK(has(b.actual(), "sample 2 has label 3"));
  CHECK(has(b.cause(), "1-based"));
  CHECK(has(b.fix(), "subtract 1"));
  auto n = capture([] {
    (void)SparseCategoricalCrossentropy()(Tensor::zeros({2, 3}),
                                          Tensor::from_vector(std::vector<std::int32_t>{-1, 0}));
  });
  CHECK(n.code() == "loss.label_range");
  CHECK(has(n.actual(), "sample 0 has label -1"));
}

TEST_CASE("loss.label_dtype: float labels for a sparse loss, integer rows for a one-hot loss") {
  auto e = capture([] {
    (void)SparseCategoricalCrossentropy()(Tensor::zeros({4, 3}), Tensor::zeros({4}));
  });
  CHECK(e.code() == "loss.label_dtype");
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.expected(), "integer"));
  CHECK(has(e.actual(), "float32"));
  CHECK(has(e.fix(), "astype(DType::i32)"));
  CHECK(has(e.fix(), "CategoricalCrossentropy"));
  auto rows = capture([] {
    (void)SparseCategoricalCrossentropy()(Tensor::zeros({4, 3}), Tensor::zeros({4, 3}));
  });
  CHECK(rows.code() == "loss.label_dtype");
  CHECK(has(rows.cause(), "one-hot"));
  CHECK(has(rows.fix(), "CategoricalCrossentropy()"));
  auto c = capture([] {
    (void)CategoricalCrossentropy()(Tensor::zeros({4, 3}), Tensor::zeros({4, 3}, DType::i64));
  });
  CHECK(c.code() == "loss.label_dtype");
  CHECK(c.expected() == "float32 one-hot rows");
  CHECK(c.actual() == "int64");
  CHECK(has(c.fix(), "one_hot(y, 3)"));
  CHECK(has(c.fix(), "astype(DType::f32)"));
}

TEST_CASE("input.dtype: every loss refuses non-float32 predictions, with or without logits") {
  const Tensor u8 = Tensor::zeros({4, 3}, DType::u8);
  const Tensor one_hot_rows = Tensor::zeros({4, 3}), sparse = Tensor::zeros({4}, DType::i32);
  auto check = [](const Loss& loss, const Tensor& p, const Tensor& y) {
    auto e = capture([&] { (void)loss(p, y); });
    INFO(e.what());
    CHECK(e.code() == "input.dtype");
    CHECK(e.expected() == "float32");
    CHECK(e.actual() == dtype_name(p.dtype()));
    CHECK(has(e.fix(), "astype(DType::f32)"));
  };
  for (bool logits : {false, true}) {
    CAPTURE(logits);
    check(CategoricalCrossentropy({.from_logits = logits}), u8, one_hot_rows);
    check(SparseCategoricalCrossentropy({.from_logits = logits}), u8, sparse);
    check(CategoricalCrossentropy({.from_logits = logits}), u8.astype(DType::i64), one_hot_rows);
    check(SparseCategoricalCrossentropy({.from_logits = logits}), one_hot_rows.astype(DType::f64),
          sparse);
  }
  check(MeanSquaredError(), u8, one_hot_rows);
  check(MeanSquaredError(), one_hot_rows.astype(DType::i32), one_hot_rows);
}

TEST_CASE("options.invalid: empty predictions, labels or Loss handles") {
  auto e = capture([] { (void)MeanSquaredError()(Tensor(), Tensor::zeros({4, 1})); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.info().summary, "the predictions given to loss 'mean_squared_error'"));
  CHECK(e.actual() == "an empty Tensor");
  auto y = capture([] { (void)SparseCategoricalCrossentropy()(Tensor::zeros({4, 3}), Tensor()); });
  CHECK(y.code() == "options.invalid");
  CHECK(has(y.info().summary, "the labels given to loss 'sparse_categorical_crossentropy'"));
  auto l = capture([] { (void)Loss()(Tensor::zeros({4, 3}), Tensor::zeros({4, 3})); });
  CHECK(l.code() == "options.invalid");
  CHECK(l.actual() == "an empty Loss");
}

}  // TEST_SUITE
