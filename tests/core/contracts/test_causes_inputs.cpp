// Causes of the input codes read the model's graph (which layers need the declared height and
// width) and the data (its range, its channel count): input.shape, input.dtype, input.count,
// input.rank.
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

namespace {
// Conv2D + GlobalAveragePooling2D + Dense, or Conv2D + Flatten + Dense, for 32x32x3.
Model image_model(bool flatten) {
  auto in = Input({32, 32, 3}, {.name = "photo"});
  auto x = Conv2D(4, {3, 3}, {.padding = Padding::same, .name = "features"})(in);
  x = flatten ? Flatten({.name = "flat"})(x) : GlobalAveragePooling2D({.name = "gap"})(x);
  return Model(in, Dense(2, {.seed = 1, .name = "head"})(x));
}
}  // namespace

TEST_CASE("input.shape: global pooling fixes no size (declare None); Flatten + Dense does") {
  auto free = raised("input.shape", [] { (void)image_model(false).predict(Tensor::zeros({2, 16, 16, 3})); });
  CHECK(has(free.cause(), "no layer of this model depends on the height and width"));
  CHECK(has(free.cause(), "'gap' (GlobalAveragePooling2D)"));
  CHECK(!has(free.cause(), "weights were sized"));
  CHECK(has(free.fix(), "Input({kUnknown, kUnknown, 3})"));
  auto fixed = raised("input.shape", [] { (void)image_model(true).predict(Tensor::zeros({2, 16, 16, 3})); });
  CHECK(has(fixed.cause(), "'head' (Dense) was built for 4096 features, the count 'flat' (Flatten) makes"));
  CHECK(has(fixed.fix(), "Resizing(32, 32)"));
  CHECK(has(fixed.fix(), "GlobalAveragePooling2D() instead of Flatten()"));
  differ(free, fixed);
}

TEST_CASE("input.shape: RGBA and grayscale data for an RGB model are named, with a conversion") {
  auto rgba = raised("input.shape", [] { (void)image_model(false).predict(Tensor::zeros({2, 32, 32, 4})); });
  CHECK(has(rgba.cause(), "RGBA images (4 channels) where RGB images (3 channels)"));
  CHECK(has(rgba.fix(), "slice(x, -1, 0, 3)"));
  CHECK(!has(rgba.fix(), "reshape"));
  CHECK(rgba.info().marked == std::vector<int>{3});
  auto gray = raised("input.shape", [] { (void)image_model(false).predict(Tensor::zeros({2, 32, 32, 1})); });
  CHECK(has(gray.cause(), "grayscale images (1 channel)"));
  CHECK(has(gray.fix(), "concat({x, x, x}, -1)"));
  differ(rgba, gray);
}

TEST_CASE("input.dtype: uint8 holding 0 and 1 is not told to divide by 255; pixels are") {
  auto in = Input({4}, {.name = "bits"});
  Model m(in, Dense(1, {.seed = 1})(in));
  Tensor bits = Tensor::from_vector(std::vector<std::uint8_t>{0, 1, 1, 0, 1, 0, 0, 1}, {2, 4});
  auto binary = raised("input.dtype", [&] { (void)m.predict(bits); });
  CHECK(has(binary.cause(), "only 0 and 1"));
  CHECK(!has(binary.fix(), "255"));
  Tensor pixels = Tensor::from_vector(std::vector<std::uint8_t>{0, 17, 255, 3, 9, 200, 1, 0}, {2, 4});
  auto scaled = raised("input.dtype", [&] { (void)m.predict(pixels); });
  CHECK(has(scaled.cause(), "pixels from 0 to 255"));
  CHECK(has(scaled.fix(), "/ 255.0"));
  differ(binary, scaled);
  Tensor big = Tensor::from_vector(std::vector<std::int32_t>{0, 1000, -4, 3, 9, 2, 1, 0}, {2, 4});
  auto other = raised("input.dtype", [&] { (void)m.predict(big); });
  CHECK(has(other.cause(), "not 8-bit pixels"));
}

TEST_CASE("input.dtype in a layer called eagerly reads the data's range too") {
  Dense d(2, {.seed = 1});
  auto binary = raised("input.dtype", [&] {
    (void)d(Tensor::from_vector(std::vector<std::uint8_t>{0, 1, 1, 0}, {2, 2}));
  });
  CHECK(has(binary.cause(), "only 0 and 1"));
  auto pixels = raised("input.dtype", [&] {
    (void)d(Tensor::from_vector(std::vector<std::uint8_t>{0, 128, 255, 0}, {2, 2}));
  });
  CHECK(has(pixels.fix(), "/ 255.0"));
  differ(binary, pixels);
}

TEST_CASE("input.dtype: uint8 of 0..3 are a few levels, not pixels; 0..200 are pixels") {
  auto in = Input({2, 2, 1}, {.name = "mask"});
  Model m(in, Dense(2, {.seed = 1})(Flatten()(in)));
  std::vector<std::uint8_t> levels(8), pixels(8);
  for (std::size_t i = 0; i < levels.size(); ++i)
    levels[i] = static_cast<std::uint8_t>(i % 4), pixels[i] = static_cast<std::uint8_t>(i * 25 + 25);
  auto few = raised("input.dtype", [&] { (void)m.predict(Tensor::from_vector(levels, {2, 2, 2, 1})); });
  CHECK(has(few.cause(), "uint8 values from 0 to 3: 4 levels at most, too few for 8-bit pixels"));
  CHECK(!has(few.cause(), "255 times larger"));
  CHECK(has(few.fix(), "x.astype(DType::f32) / 3.0 brings them to [0, 1]"));
  CHECK(!has(few.fix(), "/ 255.0"));
  auto px = raised("input.dtype", [&] { (void)m.predict(Tensor::from_vector(pixels, {2, 2, 2, 1})); });
  CHECK(has(px.cause(), "uint8 pixels from 25 to 200 passed as is"));
  CHECK(has(px.fix(), "x.astype(DType::f32) / 255.0"));
  differ(few, px);
  auto same = raised("input.dtype", [&] { (void)m.predict(Tensor::from_vector(std::vector<std::uint8_t>(8, 7), {2, 2, 2, 1})); });
  CHECK(has(same.cause(), "uint8 data whose values are all 7, so its scale cannot be told from the values"));
}

TEST_CASE("input.count: a missing array is named; extra arrays are told apart") {
  auto a = Input({4}, {.name = "left"}), b = Input({4}, {.name = "right"});
  Model m({a, b}, Add()({a, b}));
  auto fewer = raised("input.count", [&] { (void)m.predict(Tensor::zeros({2, 4})); });
  CHECK(has(fewer.cause(), "no array was given for right"));
  auto more = raised("input.count", [&] {
    (void)m.predict(std::vector<Tensor>{Tensor::zeros({2, 4}), Tensor::zeros({2, 4}), Tensor::zeros({2, 4})});
  });
  CHECK(has(more.cause(), "1 array(s) more than the model has Inputs"));
  differ(fewer, more);
}

TEST_CASE("input.rank: a missing channel axis, or a single sample without its batch axis") {
  auto in = Input({28, 28, 1}, {.name = "digits"});
  Model m(in, Dense(2, {.seed = 1})(Flatten()(in)));
  auto channel = raised("input.rank", [&] { (void)m.predict(Tensor::zeros({5, 28, 28})); });
  CHECK(has(channel.fix(), "expand_dims(x, -1)"));
  auto single = raised("input.rank", [&] { (void)m.predict(Tensor::zeros({28, 28, 1})); });
  CHECK(has(single.fix(), "expand_dims(x, 0)"));
  differ(channel, single);
}

TEST_CASE("input.rank into an RGB model: gray images without a channel axis, or one image of another size") {
  auto in = Input({16, 16, 3}, {.name = "photo"});
  Model m(in, Dense(2, {.seed = 1})(GlobalAveragePooling2D()(in)));
  auto gray = raised("input.rank", [&] { (void)m.predict(Tensor::zeros({5, 16, 16})); });
  CHECK(has(gray.cause(), "the channel axis is missing: (N, H, W) holds one value per pixel, grayscale "
                          "images, while the Input takes 3 channels"));
  CHECK(has(gray.fix(), "concat({g, g, g}, -1) with g = expand_dims(x, -1)"));
  CHECK(!has(gray.fix(), "reshape"));
  auto one = raised("input.rank", [&] { (void)m.predict(Tensor::zeros({64, 64, 3})); });
  CHECK(has(one.cause(), "a single image (64, 64, 3) without its batch axis, and of 64x64 where the "
                         "Input declares 16x16"));
  CHECK(has(one.fix(), "expand_dims(x, 0) to make a batch of one, and resize it to 16x16"));
  differ(gray, one);
}

TEST_CASE("the caret line under expected marks the axis that differs, whatever the ranks") {
  auto e = raised("elementwise.shape", [] { (void)(Tensor::zeros({4, 2048}) * Tensor::zeros({1024})); });
  const std::string w = e.what();
  CHECK_MESSAGE(has(w, "expected: (4, 2048)\n                ^^^^\n"), w);
  CHECK_MESSAGE(has(w, "actual:   (1024,)\n             ^^^^  (differs)"), w);
  auto same = raised("elementwise.shape", [] { (void)(Tensor::zeros({4, 2048}) * Tensor::zeros({4, 1024})); });
  CHECK_MESSAGE(has(same.what(), "expected: (4, 2048)\n                ^^^^\n"), same.what());
  differ(e, same);
}

TEST_CASE("input.dtype: a float64 tensor into a float32 layer says what it is, once") {
  // old: "'rescaling' computes in float32 and receives layers compute in float32; this input is
  // float64"
  auto e = raised("input.dtype", [] {
    (void)Rescaling(1.0 / 255, 0.0, {.name = "rescaling"})(Tensor::ones({1, 2, 2, 1}, DType::f64));
  });
  CHECK(e.cause() == "'rescaling' computes in float32 and receives float64 data; tenet does not "
                     "cast silently (Keras would cast it)");
  CHECK(e.fix() == "convert with x.astype(DType::f32) before 'rescaling'");
  auto ints = raised("input.dtype", [] {
    (void)Dense(2, {.name = "d"})(Tensor::ones({1, 4}, DType::i64));
  });
  differ(e, ints);
}
