// Suite "layers": the augmentation layers' behaviour: training only, deterministic by seed
// (across runs and thread counts), new draws per call, gradients, and their contracts.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/tensor/numerics.hpp"
#include "support/gradcheck.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::check_invalid_option;

namespace {

Tensor batch() { return Tensor::uniform({6, 9, 8, 3}, 21, 0.0, 1.0); }

// One layer of each kind with the given seed (RandomCrop: 7x6).
std::vector<std::function<Layer(std::uint64_t)>> makers() {
  return {
      [](std::uint64_t s) { return RandomFlip(FlipMode::horizontal_and_vertical, {.seed = s}); },
      [](std::uint64_t s) { return RandomCrop(7, 6, {.seed = s}); },
      [](std::uint64_t s) { return RandomTranslation(0.2, 0.3, {.seed = s}); },
      [](std::uint64_t s) { return RandomZoom(0.3, {.seed = s}); },
      [](std::uint64_t s) { return RandomRotation(0.2, {.seed = s}); },
  };
}

// The outputs of three training calls of a new layer.
std::vector<Tensor> three_calls(const std::function<Layer(std::uint64_t)>& make, std::uint64_t seed) {
  Layer layer = make(seed);
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) out.push_back(layer(batch(), {.training = true}));
  return out;
}

bool same(const Tensor& a, const Tensor& b) { return tenet::testing::bitwise_equal({a}, {b}); }

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("augmentation layers: identity at inference, RandomCrop centre-crops") {
  for (std::size_t k = 0; k < makers().size(); ++k) {
    Layer layer = makers()[k](3);
    Tensor y = layer(batch());
    INFO(layer.type());
    if (layer.type() == "RandomCrop") {
      // The largest centred 7:6 window of 9x8 is 9x7 (int(8 * 7 / 6) = 9 rows, int(9 * 6 / 7)
      // = 7 columns from column 0), resized to 7x6.
      CHECK(same(y, resize(slice(batch(), 2, 0, 7), {7, 6})));
    } else {
      CHECK(same(y, batch()));
    }
  }
}

TEST_CASE("augmentation layers: the same seed replays the same draws, another seed differs") {
  for (const auto& make : makers()) {
    auto a = three_calls(make, 7), b = three_calls(make, 7), c = three_calls(make, 8);
    INFO(make(1).type());
    CHECK(tenet::testing::bitwise_equal(a, b));
    CHECK(!tenet::testing::bitwise_equal(a, c));
    CHECK(!(same(a[0], a[1]) && same(a[1], a[2])));  // each training call draws anew
  }
}

TEST_CASE("augmentation layers: the same output with 1 and 2 threads") {
  const int before = num_threads();
  for (const auto& make : makers()) {
    set_num_threads(1);
    auto one = three_calls(make, 9);
    set_num_threads(2);
    auto two = three_calls(make, 9);
    INFO(make(1).type());
    CHECK(tenet::testing::bitwise_equal(one, two));
  }
  set_num_threads(before);
}

TEST_CASE("RandomFlip flips some samples whole and keeps the others") {
  Layer flip = RandomFlip(FlipMode::horizontal, {.seed = 4});
  Tensor x = batch();
  Tensor y = flip(x, {.training = true});
  Tensor mirrored = flip_images(x, std::vector<bool>(6, true), true, false);
  int flipped = 0, kept = 0;
  for (std::int64_t i = 0; i < 6; ++i) {
    const bool is_kept = same(slice(y, 0, i, i + 1), slice(x, 0, i, i + 1));
    const bool is_flipped = same(slice(y, 0, i, i + 1), slice(mirrored, 0, i, i + 1));
    CHECK(is_kept != is_flipped);
    flipped += is_flipped, kept += is_kept;
  }
  CHECK(flipped > 0);
  CHECK(kept > 0);
}

TEST_CASE("RandomCrop in training: a 7x6 window of the input, one place for the batch") {
  Tensor x = batch();
  Tensor y = RandomCrop(7, 6, {.seed = 2})(x, {.training = true});
  REQUIRE(y.shape() == Shape{6, 7, 6, 3});
  bool found = false;
  for (std::int64_t top = 0; top <= 2; ++top)
    for (std::int64_t left = 0; left <= 2; ++left)
      found = found || same(y, slice(slice(x, 1, top, top + 7), 2, left, left + 6));
  CHECK(found);
}

TEST_CASE("affine_transform and flip_images: gradients are the adjoint of the sampling") {
  Tensor x = Tensor::uniform({2, 5, 4, 2}, 3, -1, 1).requires_grad(true);
  const ImageTransform turn{0.8f, -0.6f, 1.3f, 0.6f, 0.8f, -0.9f, 0, 0};
  for (FillMode f : {FillMode::reflect, FillMode::wrap, FillMode::constant, FillMode::nearest}) {
    INFO(fill_mode_name(f));
    check_gradients([&](const std::vector<Tensor>& in) {
      return affine_transform(in[0], {turn}, {.fill_mode = f, .fill_value = 0.3f});
    }, {x});
  }
  check_gradients([](const std::vector<Tensor>& in) {
    return flip_images(in[0], {true, false}, true, true);
  }, {x});
  Layer crop = RandomCrop(6, 3, {.seed = 1});  // 5x4 is not larger: no draw, slice and resize
  check_gradients([&](const std::vector<Tensor>& in) { return crop(in[0], {.training = true}); },
                  {x});
}

TEST_CASE("augmentation layers refuse inputs that are not (N, H, W, C) with conv.rank") {
  auto flat = Input({784});
  for (const auto& make : makers()) {
    Layer layer = make(1);
    INFO(layer.type());
    auto e = capture([&] { (void)layer(flat); });
    CHECK(e.code() == "conv.rank");
    CHECK(e.phase() == Phase::build);
    CHECK(tenet::testing::has(e, layer.type()));
  }
  auto e = capture([] { (void)RandomZoom(0.1)(Tensor::uniform({9, 8, 3}, 1), {.training = true}); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.phase() == Phase::run);
}

TEST_CASE("augmentation layers refuse factors and sizes outside Keras's ranges") {
  check_invalid_option(capture([] { (void)RandomRotation(1.5); }), "RandomRotation factor",
                       "1.5", "1");
  check_invalid_option(capture([] { (void)RandomRotation({2.0, 3.0}); }),
                       "RandomRotation factor", "[2, 3]", "[-1, 1]");
  check_invalid_option(capture([] { (void)RandomTranslation(0.1, {-1.2, 0.0}); }),
                       "RandomTranslation width_factor", "-1.2", "1");
  check_invalid_option(capture([] { (void)RandomZoom(-1.0); }), "RandomZoom height_factor",
                       "-1", "-1");
  check_invalid_option(capture([] { (void)RandomZoom(0.1, {.width_factor = Factor(0.0, 1.5)}); }),
                       "RandomZoom width_factor", "1.5", "1");
  check_invalid_option(capture([] { (void)RandomCrop(0, 4); }), "RandomCrop height", "0", "1");
  auto e = capture([] { (void)RandomTranslation(0.1, 0.1, {.fill_value = std::nan("")}); });
  CHECK(e.code() == "options.invalid");
}

TEST_CASE("augmentation layers refuse a fill_value float32 cannot hold (old: the border became inf)") {
  for (const double v : {1e300, -1e39}) {
    CAPTURE(v);
    const ContractError e = capture([&] { (void)RandomZoom(0.5, {.fill_value = v}); });
    check_invalid_option(e, "RandomZoom fill_value", checks::option_value(v), "a finite number in [");
    CHECK(tenet::testing::mentions(e, "FillMode::constant would fill the border with inf"));
  }
  CHECK(capture([] { (void)RandomRotation(0.1, {.fill_value = 1e39}); }).code() == "options.invalid");
  // float32's own extremes stay accepted.
  (void)RandomTranslation(0.1, 0.1, {.fill_value = -3.4e38});
  const Tensor out = RandomZoom(0.5, {.fill_mode = FillMode::constant, .seed = 1, .fill_value = 3.4e38})(
      Tensor::ones({1, 4, 4, 1}), {.training = true});
  CHECK(numerics::all_finite(out));
}

TEST_CASE("augmentation layers refuse enum values that are none of their enumerators") {
  const auto bad_mode = static_cast<FillMode>(9);
  check_invalid_option(capture([&] { (void)RandomRotation(0.1, {.fill_mode = bad_mode}); }),
                       "RandomRotation fill_mode", "FillMode(9)",
                       "one of FillMode::reflect, FillMode::wrap, FillMode::constant or FillMode::nearest");
  check_invalid_option(capture([&] { (void)RandomZoom(0.1, {.fill_mode = bad_mode}); }),
                       "RandomZoom fill_mode", "FillMode(9)", "FillMode::nearest");
  check_invalid_option(
      capture([] { (void)RandomTranslation(0.1, 0.1, {.interpolation = static_cast<Interpolation>(9)}); }),
      "RandomTranslation interpolation", "Interpolation(9)",
      "one of Interpolation::bilinear or Interpolation::nearest");
  const ContractError flip = capture([] { (void)RandomFlip(static_cast<FlipMode>(7)); });
  check_invalid_option(flip, "RandomFlip mode", "FlipMode(7)",
                       "one of FlipMode::horizontal, FlipMode::vertical or "
                       "FlipMode::horizontal_and_vertical");
  CHECK(flip.phase() == Phase::build);
}

TEST_CASE("a model with augmentation trains, and predict is unaffected by it") {
  auto in = Input({9, 8, 3});
  auto x = RandomFlip(FlipMode::horizontal, {.seed = 1})(in);
  x = RandomRotation(0.05, {.seed = 2})(x);
  x = RandomCrop(7, 6, {.seed = 3})(x);
  x = Flatten()(x);
  Model m(in, Dense(2, {.seed = 4})(x));
  m.compile({.optimizer = SGD({.learning_rate = 0.01}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  Tensor labels = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 0, 1, 0, 1}, {6});
  Tensor before = m.predict(batch());
  CHECK(same(before, m.predict(batch())));
  m.fit(batch(), labels, {.epochs = 2, .batch_size = 3, .verbose = 0});
  CHECK(!same(before, m.predict(batch())));
}

}  // TEST_SUITE
