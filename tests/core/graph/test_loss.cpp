// Suite "core/graph": the tests of loss.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <algorithm>
#include <cmath>

#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "support/loss_reference.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;
using tenet::testing::check_gradients;
using tenet::testing::Rows;
using tenet::testing::kClasses;
using tenet::testing::one_hot_rows;
using tenet::testing::rows_tensor;

TEST_SUITE("core/graph") {

TEST_CASE("empty handles: losses and optimizers") {
  const Tensor p = Tensor::ones({2, 3}), y = Tensor::from_vector(std::vector<std::int64_t>{0, 1});
  auto e = capture([&] { (void)Loss()(p, y); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the Loss that was called"));
  e = capture([&] { (void)SparseCategoricalCrossentropy()(Tensor(), y); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the predictions given to loss 'sparse_categorical_crossentropy'"));
  e = capture([&] { (void)MeanSquaredError()(p, Tensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the labels given to loss"));
  e = capture([&] { Adam().impl()->step({Tensor::ones({1}), Tensor()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 2nd variable given to Adam"));
}

TEST_CASE("names and label kinds are Keras's") {
  CHECK(CategoricalCrossentropy().impl()->name() == "categorical_crossentropy");
  CHECK(SparseCategoricalCrossentropy().impl()->name() == "sparse_categorical_crossentropy");
  CHECK(MeanSquaredError().impl()->name() == "mean_squared_error");
  CHECK(CategoricalCrossentropy().impl()->label_kind() == LabelKind::one_hot);
  CHECK(SparseCategoricalCrossentropy().impl()->label_kind() == LabelKind::sparse);
  CHECK(MeanSquaredError().impl()->label_kind() == LabelKind::dense);
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
