// Causes of the layer codes read the layers' facts: conv.*, dense.*, batchnorm.features,
// layer.input_spec, layer.input_count, flatten.rank and reshape.size (the Reshape layer).
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

TEST_CASE("conv.channels: RGBA into RGB drops alpha; 16 into 8 channels names the filters") {
  Conv2D conv(8, {3, 3});
  (void)conv(Input({32, 32, 3}));
  auto rgba = raised("conv.channels", [&] { (void)conv(Input({32, 32, 4})); });
  CHECK(has(rgba.cause(), "RGBA images (4 channels) where RGB images (3 channels)"));
  CHECK(has(rgba.fix(), "slice(x, -1, 0, 3)"));
  CHECK(!has(rgba.fix(), "reshape"));
  Conv2D deep(4, {3, 3});
  (void)deep(Input({8, 8, 8}));
  auto wide = raised("conv.channels", [&] { (void)deep(Input({8, 8, 16})); });
  CHECK(has(wide.cause(), "built for 8 channels by its first call (its kernel (3, 3, 8, 4))"));
  CHECK(has(wide.fix(), "its units or filters"));
  differ(rgba, wide);
  Conv2D gray(4, {3, 3});
  (void)gray(Input({8, 8, 3}));
  auto one = raised("conv.channels", [&] { (void)gray(Input({8, 8, 1})); });
  CHECK(has(one.cause(), "grayscale images (1 channel) where RGB"));
  CHECK(has(one.fix(), "concat({x, x, x}, -1)"));
}

TEST_CASE("dense.features: a Flatten's count follows the image size; a plain width does not") {
  Dense head(10);
  (void)head(Flatten()(Input({8, 8, 2})));
  auto flat = raised("dense.features", [&] { (void)head(Flatten()(Input({16, 16, 2}))); });
  CHECK(has(flat.cause(), "built for 128 features by its first call (its kernel (128, 10))"));
  CHECK(has(flat.cause(), "come from a Flatten"));
  CHECK(has(flat.fix(), "GlobalAveragePooling2D()"));
  Dense shared(4);
  (void)shared(Input({1024}));
  auto plain = raised("dense.features", [&] { (void)shared(Input({2048})); });
  CHECK(!has(plain.cause(), "Flatten"));
  CHECK(has(plain.fix(), "give 1024 features"));
  differ(flat, plain);
}

TEST_CASE("dense.undefined: a Flatten of None height/width, or an Input declaring None") {
  auto flat = raised("dense.undefined", [] {
    (void)Dense(10)(Flatten()(Input({kUnknown, kUnknown, 3})));
  });
  CHECK(has(flat.cause(), "Flatten of tensors with None height or width"));
  CHECK(has(flat.fix(), "GlobalAveragePooling2D()"));
  auto input = raised("dense.undefined", [] { (void)Dense(10)(Input({kUnknown})); });
  CHECK(has(input.cause(), "as its Input declares"));
  CHECK(has(input.fix(), "declare the size of the last axis in the Input, e.g. Input({16}) for 16 features"));
  differ(flat, input);
}

TEST_CASE("dense.rank: images get Flatten or global pooling with their sizes; rank 3 gets Flatten") {
  auto image = raised("dense.rank", [] { (void)Dense(10)(Input({28, 28, 1})); });
  CHECK(has(image.fix(), "784 features"));
  CHECK(has(image.fix(), "GlobalAveragePooling2D() (one value per channel: 1 features)"));
  auto seq = raised("dense.rank", [] { (void)Dense(10)(Input({5, 7})); });
  CHECK(!has(seq.fix(), "GlobalAveragePooling2D"));
  differ(image, seq);
}

TEST_CASE("batchnorm.features: channel formats on images, widths on features") {
  BatchNorm bn;
  (void)bn(Input({8, 8, 3}));
  auto rgba = raised("batchnorm.features", [&] { (void)bn(Input({8, 8, 4})); });
  CHECK(has(rgba.cause(), "its gamma (3,)"));
  CHECK(has(rgba.fix(), "slice(x, -1, 0, 3)"));
  BatchNorm flat;
  (void)flat(Input({16}));
  auto wide = raised("batchnorm.features", [&] { (void)flat(Input({32})); });
  CHECK(has(wide.cause(), "built for 16 features by its first call"));
  differ(rgba, wide);
}

TEST_CASE("conv.rank: a missing channel axis, or flat features") {
  auto three = raised("conv.rank", [] { (void)Conv2D(8, {3, 3})(Input({28, 28})); });
  CHECK(has(three.fix(), "expand_dims(x, -1)"));
  auto flat = raised("conv.rank", [] { (void)MaxPool2D({2, 2})(Input({784})); });
  CHECK(has(flat.fix(), "Reshape({28, 28, 1})"));
  auto pool = raised("conv.rank", [] { (void)GlobalAveragePooling2D()(Input({784})); });
  CHECK(has(pool.cause(), "height, width and channels are missing"));  // one message for all
  differ(three, flat);
}

TEST_CASE("conv.too_small: a pooling before it is named; a small Input asks for a larger one") {
  auto pooled = raised("conv.too_small", [] {
    (void)Conv2D(8, {5, 5})(MaxPool2D({4, 4}, {.name = "shrink"})(Input({16, 16, 3})));
  });
  CHECK(has(pooled.cause(), "'shrink' pools 16x16 to 4x4"));
  CHECK(has(pooled.fix(), "fewer pooling steps before it (remove or shrink 'shrink')"));
  auto small = raised("conv.too_small", [] { (void)Conv2D(8, {5, 5})(Input({4, 4, 3})); });
  CHECK(has(small.cause(), "(4 - 5)/1 + 1 = 0"));
  CHECK(has(small.fix(), "feed a larger input"));
  differ(pooled, small);
}
