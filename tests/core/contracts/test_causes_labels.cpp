// Causes of loss.label_shape, loss.label_range and loss.label_dtype read the labels' facts.
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

namespace {
Model classifier(std::int64_t classes, Loss loss) {
  auto in = Input({4}, {.name = "x"});
  Model m(in, Dense(classes, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = std::move(loss)});
  return m;
}
Tensor labels(std::vector<std::int32_t> v) { return Tensor::from_vector(v); }
}  // namespace

TEST_CASE("loss.label_shape: class indices for a one-hot loss, or one-hot rows of another width") {
  Model m = classifier(5, CategoricalCrossentropy({.from_logits = true}));
  auto indices = raised("loss.label_shape", [&] {
    m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 1}, DType::i32), {.verbose = 0});
  });
  CHECK(has(indices.cause(), "look like class indices"));
  CHECK(has(indices.fix(), "one_hot(y, 5)"));
  auto width = raised("loss.label_shape", [&] {
    m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 10}), {.verbose = 0});
  });
  CHECK(has(width.cause(), "one-hot rows of width 10"));
  CHECK(has(width.fix(), "Dense(10)"));
  differ(indices, width);
  auto flat = raised("loss.label_shape", [&] {
    m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4}, DType::i32), {.verbose = 0});
  });
  CHECK_MESSAGE(has(flat.what(), "expected: (None, 5)\n" + std::string(19, ' ') + "^\n"), flat.what());
}

TEST_CASE("loss.label_range: 1-based labels, negative labels, too few classes") {
  Model m = classifier(3, SparseCategoricalCrossentropy({.from_logits = true}));
  auto one_based = raised("loss.label_range", [&] {
    m.fit(Tensor::zeros({4, 4}), labels({1, 2, 3, 1}), {.verbose = 0});
  });
  CHECK(has(one_based.cause(), "look 1-based"));
  CHECK(has(one_based.fix(), "subtract 1"));
  auto negative = raised("loss.label_range", [&] {
    m.fit(Tensor::zeros({4, 4}), labels({0, -1, 2, 1}), {.verbose = 0});
  });
  CHECK(has(negative.fix(), "negative ones (-1)"));
  auto more = raised("loss.label_range", [&] {
    m.fit(Tensor::zeros({4, 4}), labels({0, 7, 2, 1}), {.verbose = 0});
  });
  CHECK(has(more.cause(), "first offending sample is 1 with label 7"));
  CHECK(has(more.fix(), "8 units"));
  differ(one_based, more);
  differ(negative, more);
}

TEST_CASE("loss.label_dtype: one-hot floats for a sparse loss, float indices, int one-hot rows") {
  Model sparse = classifier(3, SparseCategoricalCrossentropy({.from_logits = true}));
  auto rows = raised("loss.label_dtype", [&] {
    sparse.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 3}), {.verbose = 0});
  });
  CHECK(has(rows.cause(), "look like one-hot rows"));
  auto floats = raised("loss.label_dtype", [&] {
    sparse.fit(Tensor::zeros({4, 4}), Tensor::zeros({4}), {.verbose = 0});
  });
  CHECK(has(floats.fix(), "y.astype(DType::i32)"));
  differ(rows, floats);
  Model dense = classifier(3, CategoricalCrossentropy({.from_logits = true}));
  auto ints = raised("loss.label_dtype", [&] {
    dense.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 3}, DType::i32), {.verbose = 0});
  });
  CHECK(has(ints.fix(), "y.astype(DType::f32)"));
}
