// Suite "layers": the augmentation layers against Keras 3 (TensorFlow backend) where the
// transform is deterministic: a factor range of one value, forced flips, RandomCrop where
// Keras draws nothing. Fixtures: tests/fixtures/augmentation/augmentation.h5, written by
// scripts/make_augmentation_fixtures.py.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include <tenet/tenet.hpp>

#include "support/keras_fixtures.hpp"

using namespace tenet;
using tenet::keras_fixtures::max_diff;

namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto arrays = data::load_h5(std::string(TENET_SOURCE_DIR) +
                                           "/tests/fixtures/augmentation/augmentation.h5");
  return arrays;
}

const Tensor& images() { return fixture().at("images"); }  // (3, 7, 6, 2) in [0, 1)

struct Case {
  FillMode fill;
  Interpolation interpolation;
  std::string suffix;  // "_reflect_bilinear"
};

std::vector<Case> all_modes() {
  std::vector<Case> out;
  for (FillMode f : {FillMode::reflect, FillMode::wrap, FillMode::constant, FillMode::nearest})
    for (Interpolation i : {Interpolation::bilinear, Interpolation::nearest})
      out.push_back({f, i, std::string("_") + fill_mode_name(f) + "_" + interpolation_name(i)});
  return out;
}

RandomTransformOptions options_of(const Case& m) {
  return {.fill_mode = m.fill, .interpolation = m.interpolation, .seed = 5, .fill_value = 0.5};
}

// Keras computes in float32 too; the matrices may differ in the last bit (sin and cos).
constexpr double kTolerance = 2e-5;

void check_against_keras(const Layer& layer, const std::string& key) {
  INFO(key);
  Tensor y = layer(images(), {.training = true});
  CHECK(max_diff(y, fixture().at(key)) < kTolerance);
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("RandomRotation((0.125, 0.125)) turns by 45 degrees as Keras, every fill and interpolation") {
  for (const Case& m : all_modes())
    check_against_keras(RandomRotation({0.125, 0.125}, options_of(m)), "rotation" + m.suffix);
}

TEST_CASE("RandomTranslation((0.1, 0.1), (-0.2, -0.2)) shifts as Keras, every fill and interpolation") {
  for (const Case& m : all_modes())
    check_against_keras(RandomTranslation({0.1, 0.1}, {-0.2, -0.2}, options_of(m)),
                        "translation" + m.suffix);
}

TEST_CASE("RandomZoom((0.2, 0.2)) and with its own width_factor zoom as Keras") {
  for (const Case& m : all_modes()) {
    const RandomTransformOptions o = options_of(m);
    check_against_keras(RandomZoom({0.2, 0.2}, {.fill_mode = o.fill_mode,
                                                .interpolation = o.interpolation,
                                                .fill_value = o.fill_value}),
                        "zoom" + m.suffix);
    check_against_keras(RandomZoom({-0.3, -0.3}, {.width_factor = Factor(0.25, 0.25),
                                                  .fill_mode = o.fill_mode,
                                                  .interpolation = o.interpolation,
                                                  .fill_value = o.fill_value}),
                        "zoom_wh" + m.suffix);
  }
}

TEST_CASE("affine_transform with a projective matrix gives Keras's ops.image.affine_transform") {
  const Tensor& t = fixture().at("projective");
  ImageTransform m{};
  for (int i = 0; i < 8; ++i) m[static_cast<std::size_t>(i)] = t.data<float>()[i];
  for (const Case& mode : all_modes()) {
    INFO(mode.suffix);
    Tensor y = affine_transform(images(), {m}, {.interpolation = mode.interpolation,
                                                .fill_mode = mode.fill, .fill_value = 0.5f});
    CHECK(max_diff(y, fixture().at("projective" + mode.suffix)) < kTolerance);
  }
}

TEST_CASE("flip_images with forced flips matches Keras's RandomFlip for each mode") {
  const std::vector<bool> which = {true, false, true};
  CHECK(max_diff(flip_images(images(), which, true, false), fixture().at("flip_horizontal")) == 0);
  CHECK(max_diff(flip_images(images(), which, false, true), fixture().at("flip_vertical")) == 0);
  CHECK(max_diff(flip_images(images(), which, true, true),
                 fixture().at("flip_horizontal_and_vertical")) == 0);
}

TEST_CASE("RandomCrop where Keras draws nothing: its window, resized when the input is smaller") {
  // (7, 6) -> (7, 4): not larger in height, so Keras takes the centred window of width 4.
  CHECK(max_diff(RandomCrop(7, 4)(images(), {.training = true}), fixture().at("crop_7x4")) == 0);
  // (7, 6) -> (9, 8): smaller, so the whole image resized (bilinear) to 9x8.
  CHECK(max_diff(RandomCrop(9, 8)(images(), {.training = true}), fixture().at("crop_9x8")) <
        kTolerance);
}

TEST_CASE("RandomCrop at inference is Keras's documented rule, smart_resize") {
  // The largest centred window of aspect 4:5 in 7x6: int(6 * 4 / 5) = 4 rows from row 1, all
  // 6 columns (int(7 * 5 / 4) = 8 is more than 6), resized to 4x5.
  CHECK(max_diff(RandomCrop(4, 5)(images()), fixture().at("crop_infer_4x5")) < kTolerance);
}

}  // TEST_SUITE
