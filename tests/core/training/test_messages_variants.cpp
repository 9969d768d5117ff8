// Variants of the seed cases of issue 19 that the other cause tests do not feed: another layer
// stack, another axis, a Sequential chain, a multi-input model, uint8 data through a Dataset.
// Each message must stay true for the variant (input.shape, input.dtype, the caret line,
// concat.rank).
#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/training") {

TEST_CASE("input.shape, spatial: a Sequential of Conv2D, MaxPool2D and global max pooling") {
  auto in = Input({64, 64, 3}, {.name = "scan"});
  Sequential chain({in, Conv2D(4, {3, 3}, {.seed = 1, .name = "c1"}), MaxPool2D({2, 2}, {.name = "pool"}),
                    Conv2D(4, {3, 3}, {.padding = Padding::same, .seed = 1, .name = "c2"}),
                    GlobalMaxPooling2D({.name = "gmp"}), Dense(2, {.seed = 1, .name = "out"})});
  auto e = capture("input.shape", [&] { (void)chain.predict(Tensor::zeros({1, 96, 96, 3})); });
  CHECK(has(e.cause(), "no layer of this model depends on the height and width"));
  CHECK(has(e.cause(), "'pool' (MaxPool2D)"));
  CHECK(has(e.fix(), "Input({kUnknown, kUnknown, 3})"));
  CHECK(e.info().marked == std::vector<int>{1, 2});
  // A Resizing first ends the dependence too: the Flatten + Dense after it see 16x16 always.
  auto small = Input({32, 32, 1});
  Model resized(small, Dense(2, {.seed = 1})(Flatten()(Resizing(16, 16)(small))));
  auto r = capture("input.shape", [&] { (void)resized.predict(Tensor::zeros({1, 48, 48, 1})); });
  CHECK(has(r.cause(), "no layer of this model depends on the height and width"));
  CHECK(!has(r.cause(), "Flatten) makes"));
}

TEST_CASE("input.shape, spatial: a two-input model whose join ties the sizes of both branches") {
  auto a = Input({16, 16, 3}, {.name = "left"}), b = Input({16, 16, 3}, {.name = "right"});
  auto fa = Conv2D(4, {3, 3}, {.padding = Padding::same, .seed = 1})(a);
  auto fb = Conv2D(4, {3, 3}, {.padding = Padding::same, .seed = 1})(b);
  auto joined = Concatenate(-1, {.name = "both"})({fa, fb});
  Model m({a, b}, Dense(2, {.seed = 1})(GlobalAveragePooling2D()(joined)));
  auto e = capture("input.shape", [&] {
    (void)m.predict({Tensor::zeros({1, 32, 32, 3}), Tensor::zeros({1, 16, 16, 3})});
  });
  CHECK(has(e.info().summary, "Input 'left'"));
  CHECK(has(e.cause(), "'both' (Concatenate) joins it with a branch whose size does not follow"));
  CHECK(!has(e.cause(), "no layer of this model"));
  CHECK(has(e.fix(), "Resizing(16, 16)"));
}

TEST_CASE("input.shape, channels: RGB into a grayscale model; 2 channels read from the graph") {
  auto in = Input({8, 8, 1}, {.name = "xray"});
  Model gray(in, Dense(2, {.seed = 1})(GlobalAveragePooling2D()(Conv2D(4, {3, 3}, {.seed = 1, .name = "conv"})(in))));
  auto rgb = capture("input.shape", [&] { (void)gray.predict(Tensor::zeros({1, 8, 8, 3})); });
  CHECK(has(rgb.cause(), "RGB images (3 channels) where grayscale images (1 channel)"));
  CHECK(!has(rgb.fix(), "reshape"));
  // 2 channels name no image format: the cause names the layer built for 1 channel.
  auto two = capture("input.shape", [&] { (void)gray.predict(Tensor::zeros({1, 8, 8, 2})); });
  CHECK(has(two.cause(), "'conv' (Conv2D) was built for 1 channel (its kernel (3, 3, 1, 4))"));
  CHECK(has(two.fix(), "build the model for 2 channels"));
  CHECK(two.info().marked == std::vector<int>{3});
}

TEST_CASE("input.shape on features: the layers built for the count, or none (declare None)") {
  auto in = Input({8}, {.name = "row"});
  Model mlp(in, Dense(2, {.seed = 1, .name = "out"})(Dense(4, {.seed = 1, .name = "hidden"})(in)));
  auto fixed = capture("input.shape", [&] { (void)mlp.predict(Tensor::zeros({3, 6})); });
  CHECK(has(fixed.cause(), "'hidden' (Dense) was built for 8 features (its kernel (8, 4))"));
  CHECK(!has(fixed.cause(), "'out'"));
  CHECK(has(fixed.fix(), "one too many or too few"));
  auto scores = Input({8}, {.name = "scores"});
  Model soft(scores, Softmax(-1, {.name = "probs"})(Dropout(0.5, {.name = "drop"})(scores)));
  auto free = capture("input.shape", [&] { (void)soft.predict(Tensor::zeros({3, 6})); });
  CHECK(has(free.cause(), "no layer of this model depends on that count"));
  CHECK(has(free.cause(), "'drop' (Dropout) and 'probs' (Softmax) work on any count"));
  CHECK(has(free.fix(), "Input({kUnknown})"));
  CHECK(fixed.cause() != free.cause());
  CHECK(fixed.fix() != free.fix());
  // Through a join: the Dense after it counts both branches.
  auto a = Input({8}, {.name = "a"}), b = Input({4}, {.name = "b"});
  Model two({a, b}, Dense(2, {.seed = 1, .name = "head"})(Concatenate(-1, {.name = "cat"})({a, b})));
  auto joined = capture("input.shape", [&] {
    (void)two.predict({Tensor::zeros({3, 8}), Tensor::zeros({3, 5})});
  });
  CHECK(has(joined.cause(), "'head' (Dense) was built for 12 features (its kernel (12, 2)), "
                            "counting the branches 'cat' (Concatenate) joins with the Input"));
  CHECK(has(joined.expected(), "(None, 4)"));
  CHECK(has(joined.what(), "expected: (None, 4)\n" + std::string(19, ' ') + "^\n"));
}

TEST_CASE("input.dtype: uint8 images through a Dataset, pixels against a 0/1 mask") {
  auto in = Input({4, 4, 1}, {.name = "img"});
  Model m(in, Dense(2, {.seed = 1})(Flatten()(in)));
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  std::vector<std::uint8_t> px(2 * 16), mask(2 * 16);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 8), mask[i] = i % 2;
  const Tensor y = Tensor::zeros({2}, DType::i32);
  auto pixels = capture("input.dtype", [&] {
    m.fit(data::Dataset::from_tensors({Tensor::from_vector(px, {2, 4, 4, 1})}, y), {.verbose = 0});
  });
  CHECK(has(pixels.info().summary, "batch 1 of the epoch (counting from 1; index 0): "));
  CHECK(has(pixels.cause(), "uint8 pixels from 0 to 248"));
  CHECK(has(pixels.fix(), "/ 255.0"));
  auto binary = capture("input.dtype", [&] {
    m.fit(data::Dataset::from_tensors({Tensor::from_vector(mask, {2, 4, 4, 1})}, y), {.verbose = 0});
  });
  CHECK(has(binary.cause(), "only 0 and 1"));
  CHECK(!has(binary.fix(), "255"));
}

TEST_CASE("the caret line marks the middle axis of rank-3 operands") {
  auto e = capture("elementwise.shape", [] { (void)(Tensor::zeros({2, 5, 3}) + Tensor::zeros({2, 4, 3})); });
  CHECK_MESSAGE(has(e.what(), "expected: (2, 5, 3)\n                ^\n"), e.what());
  CHECK_MESSAGE(has(e.what(), "actual:   (2, 4, 3)\n                ^"), e.what());
}

TEST_CASE("concat.rank names the side: images second, or None height and width") {
  auto meta = Input({10}, {.name = "meta"});
  auto img = Input({8, 8, 4}, {.name = "img"});
  auto feat = Conv2D(6, {3, 3}, {.seed = 1, .name = "feat"})(img);
  auto second = capture("concat.rank", [&] { (void)Concatenate()({meta, feat}); });
  CHECK(has(second.fix(), "bring 'feat' (Conv2D) output (None, 6, 6, 6) down to rank 2"));
  CHECK(has(second.fix(), "'meta' (InputLayer) output (None, 10) is already (batch, features)"));
  auto any = Input({kUnknown, kUnknown, 4}, {.name = "any"});
  auto none = capture("concat.rank", [&] { (void)Concatenate()({any, meta}); });
  CHECK(has(none.fix(), "GlobalAveragePooling2D() (-> (None, 4)); not with Flatten()"));
  CHECK(!has(none.fix(), "Flatten() it"));
}

}  // TEST_SUITE
