// Suite "losses": the tests of label_checks.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <algorithm>

#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "support/run_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;
using tenet::testing::compiled;
using tenet::testing::sparse;

TEST_SUITE("losses") {

TEST_CASE("loss.label_shape: integer labels (100, 1) for categorical cross-entropy over 5 classes") {
  clear_session();
  auto in = Input({8});
  Model m = compiled(Model(in, Dense(5)(in)), CategoricalCrossentropy({.from_logits = true}));
  auto e = capture("loss.label_shape", [&] {
    m.fit(Tensor::zeros({100, 8}), Tensor::zeros({100, 1}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "categorical_crossentropy"));
  CHECK(e.expected() == "(None, 5)");
  CHECK(e.actual() == "(100, 1)");
  CHECK(has(e.cause(), "class indices"));
  CHECK(has(e.fix(), "one_hot(y, 5)"));
  CHECK(has(e.fix(), "SparseCategoricalCrossentropy"));
  auto wide = capture("loss.label_shape", [&] {
    m.fit(Tensor::zeros({4, 8}), Tensor::zeros({4, 10}), {.verbose = 0});
  });
  CHECK(wide.expected() == "(None, 5)");
  CHECK(wide.actual() == "(4, 10)");
  CHECK(wide.info().marked == std::vector<int>{1});
}

TEST_CASE("loss.label_range names the first offending sample; loss.label_dtype") {
  clear_session();
  auto in = Input({4});
  Model m = compiled(Model(in, Dense(5)(in)), sparse());
  auto e = capture("loss.label_range", [&] {
    m.fit(Tensor::zeros({5, 4}), Tensor::from_vector(std::vector<std::int32_t>{0, 4, 5, 9, 1}), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(std::string(e.what()), "sample 2"));
  CHECK(has(e.expected(), "[0, 5)"));
  CHECK(has(e.fix(), "label encoding"));
  auto d = capture("loss.label_dtype", [&] {
    m.fit(Tensor::zeros({5, 4}), Tensor::zeros({5}), {.verbose = 0});
  });
  CHECK(has(d.actual(), "float32"));
  CHECK(has(d.fix(), "astype(DType::i32)"));
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
  CHECK(has(e.cause(), "must match"));
  CHECK(has(e.fix(), "same samples"));
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

}  // TEST_SUITE
