// Fresh variants of every example of issue 19, none of them a seed case or an earlier variant:
// other sizes, other stacks, other positions, other pipelines. Each message must stay true for
// the case at hand; where two variants need different explanations, both texts are checked.
#include <optional>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::compiled;
using contracts_test::has;

namespace {

// A generator of `sizes.size()` batches of (size, 6) features with as many labels.
data::Dataset features(std::vector<std::int64_t> sizes) {
  return data::Dataset::from_generator(data::Generator(
      [=, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
        if (i == sizes.size()) return std::nullopt;
        const std::int64_t n = sizes[i++];
        return data::Batch{{Tensor::zeros({n, 6})}, Tensor::zeros({n}, DType::i32)};
      }));
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("fresh input.shape: Conv2D, MaxPool2D, Flatten, Dense built for 48x48, fed 40x40") {
  auto in = Input({48, 48, 3}, {.name = "tile"});
  auto x = MaxPool2D({2, 2}, {.name = "pool"})(Conv2D(4, {3, 3}, {.padding = Padding::same, .seed = 1})(in));
  Model m(in, Dense(3, {.seed = 1, .name = "logits"})(Flatten({.name = "flat"})(x)));
  auto e = capture("input.shape", [&] { (void)m.predict(Tensor::zeros({2, 40, 40, 3})); });
  CHECK(has(e.cause(), "'logits' (Dense) was built for 2304 features, the count 'flat' (Flatten) makes"));
  CHECK(!has(e.cause(), "no layer of this model"));
  CHECK(has(e.fix(), "Resizing(48, 48)"));
  CHECK(has(e.fix(), "GlobalAveragePooling2D() instead of Flatten()"));
  CHECK(e.info().marked == std::vector<int>{1, 2});
}

TEST_CASE("fresh input.shape: RGBA 64x64 photos into a two-input model built for RGB") {
  auto photo = Input({64, 64, 3}, {.name = "photo"}), meta = Input({5}, {.name = "meta"});
  auto img = GlobalAveragePooling2D()(Conv2D(4, {3, 3}, {.seed = 1, .name = "stem"})(photo));
  Model m({photo, meta}, Dense(2, {.seed = 1})(Concatenate()({img, meta})));
  auto e = capture("input.shape", [&] {
    (void)m.predict({Tensor::zeros({2, 64, 64, 4}), Tensor::zeros({2, 5})});
  });
  CHECK(has(e.info().summary, "Input 'photo'"));
  CHECK(has(e.cause(), "RGBA images (4 channels) where RGB images (3 channels)"));
  CHECK(has(e.fix(), "slice(x, -1, 0, 3)"));
  CHECK(!has(e.fix(), "reshape"));
  CHECK(e.info().marked == std::vector<int>{3});
}

TEST_CASE("fresh caret and cause: sequences of 12 steps for an Input of 10 steps") {
  auto in = Input({10, 4}, {.name = "steps"});
  Model flat(in, Dense(2, {.seed = 1, .name = "head"})(Flatten({.name = "flat"})(in)));
  auto e = capture("input.shape", [&] { (void)flat.predict(Tensor::zeros({3, 12, 4})); });
  CHECK(e.info().marked == std::vector<int>{1});
  CHECK_MESSAGE(has(e.what(), "expected: (None, 10, 4)\n" + std::string(19, ' ') + "^^\n"), std::string(e.what()));
  CHECK_MESSAGE(has(e.what(), "actual:   (3, 12, 4)\n" + std::string(16, ' ') + "^^"), std::string(e.what()));
  CHECK(e.info().summary == "data for Input 'steps' differs on axis 1");
  CHECK(has(e.cause(), "the Input declares 10 on axis 1 and the data has 12; 'head' (Dense) was built "
                       "for 40 features, the count 'flat' (Flatten) makes of the declared size"));
  CHECK(has(e.fix(), "give the data the declared shape (None, 10, 4)"));
  // A softmax over the last axis works on any number of steps: only the declaration refuses.
  auto seq = Input({10, 4}, {.name = "steps"});
  Model per_step(seq, Softmax(-1, {.name = "per_step"})(seq));
  auto free = capture("input.shape", [&] { (void)per_step.predict(Tensor::zeros({3, 12, 4})); });
  CHECK(has(free.cause(), "but no layer of this model depends on that size"));
  CHECK(has(free.fix(), "declare the Input with None there, Input({kUnknown, 4})"));
  CHECK(e.cause() != free.cause());
}

TEST_CASE("fresh batch.mismatch: arrays of features against arrays of images, 10 vs 8 labels") {
  auto row = Input({6});
  Model table = compiled(Model(row, Dense(2, {.seed = 1})(row)));
  auto rows = capture("batch.mismatch", [&] {
    table.fit(Tensor::zeros({10, 6}), Tensor::zeros({8}, DType::i32), {.verbose = 0});
  });
  CHECK(has(rows.what(), "10"));
  CHECK(!has(rows.what(), "esiz"));
  auto img = Input({6, 6, 1});
  Model cnn = compiled(Model(img, Dense(2, {.seed = 1})(Flatten()(img))));
  auto images = capture("batch.mismatch", [&] {
    cnn.fit(Tensor::zeros({10, 6, 6, 1}), Tensor::zeros({8}, DType::i32), {.verbose = 0});
  });
  CHECK(has(images.cause(), "Resizing images cannot fix this"));
  CHECK(rows.cause() != images.cause());
}

TEST_CASE("fresh batch.empty: a generator's 3rd batch is empty, or its first") {
  auto in = Input({6});
  Model m = compiled(Model(in, Dense(2, {.seed = 1})(in)));
  auto mid = capture("batch.empty", [&] { m.fit(features({3, 3, 0, 3}), {.verbose = 0}); });
  CHECK(has(mid.info().summary, "batch 3 of the epoch (counting from 1; index 2)"));
  CHECK(has(mid.cause(), "on call 3 of this epoch, after 2 batches with samples"));
  CHECK(has(mid.fix(), "Do not return std::nullopt here"));
  auto first = capture("batch.empty", [&] { m.fit(features({0, 3}), {.verbose = 0}); });
  CHECK(has(first.info().summary, "batch 1 of the epoch (counting from 1; index 0)"));
  CHECK(has(first.cause(), "the epoch starts with an empty batch"));
  CHECK(mid.cause() != first.cause());
  CHECK(mid.fix() != first.fix());
}

TEST_CASE("fresh concat.rank: features first, pooled feature maps (rank 4) on the right") {
  auto a = Input({12}, {.name = "tabular"}), b = Input({8, 8, 2}, {.name = "map"});
  auto dense = Dense(16, {.seed = 1, .name = "embed"})(a);
  auto pooled = MaxPool2D({2, 2}, {.name = "pooled"})(b);
  auto e = capture("concat.rank", [&] { (void)Concatenate()({dense, pooled}); });
  CHECK(has(e.fix(), "bring 'pooled' (MaxPool2D) output (None, 4, 4, 2) down to rank 2"));
  CHECK(has(e.fix(), "'embed' (Dense) output (None, 16) is already (batch, features)"));
}

TEST_CASE("fresh compare.shape: allclose, equal and max_abs_diff name themselves") {
  const Tensor a = Tensor::zeros({6, 1}), b = Tensor::zeros({6});
  const unsigned line = __LINE__; auto close = capture("compare.shape", [&] { (void)allclose(a, b, 1e-5, 1e-8); });
  CHECK(close.where() == "'allclose' (op) called at " + at(__FILE__, line));
  CHECK(has(close.cause(), "allclose never broadcasts"));
  CHECK(!has(close.what(), "equal("));
  auto mask = capture("compare.shape", [&] { (void)equal(Tensor::zeros({2, 3}), Tensor::zeros({3, 3})); });
  CHECK(has(mask.info().summary, "equal compares element by element"));
  CHECK(has(mask.cause(), "the first holds 6 elements and the second 9"));
  CHECK(has(mask.fix(), "or equal matching slices"));
  CHECK(!has(mask.what(), "allclose"));
}

TEST_CASE("fresh checkpoint.mismatch: a model with one more layer than the file, user names shown") {
  clear_session();
  auto in = Input({3});
  Model saved(in, Dense(2, {.name = "out"})(Dense(5, {.name = "hidden"})(in)), "saved");
  tenet::testing::TempDir dir;
  const std::string path = dir.file("two.weights.h5");
  saved.save_weights(path);
  auto in2 = Input({3});
  auto x = Dense(5, {.name = "enc"})(in2);
  Model deeper(in2, Dense(2, {.name = "cls"})(Dense(5, {.name = "extra"})(x)), "deeper");
  auto e = capture("checkpoint.mismatch", [&] { (void)deeper.load_weights(path); });
  CHECK_MESSAGE(has(e.cause(), "(your layer 'extra')"), std::string(e.what()));
  CHECK(has(e.cause(), "layers/dense_2: missing in the file; model has 'cls' (Dense)"));
  CHECK(!has(e.cause(), "'enc'"));
}

TEST_CASE("fresh shared layer: a Dense shared by two branches of other widths names the 2nd call") {
  clear_session();
  const unsigned created = __LINE__; Dense shared(4, {.seed = 1, .name = "proj"});
  auto a = Input({8}, {.name = "a"}), b = Input({6}, {.name = "b"});
  (void)shared(a);
  const unsigned line = __LINE__; auto e = capture("dense.features", [&] { (void)shared(b); });
  CHECK(has(e.where(), "'proj' (Dense) created at " + at(__FILE__, created) + ", called at " + at(__FILE__, line)));
  CHECK(has(e.cause(), "by its first call"));
  CHECK(has(e.expected(), "(None, 8)"));
  CHECK(has(e.actual(), "(None, 6)"));
}

}  // TEST_SUITE
