// Suite "core/ops": affine_transform given transforms no augmentation layer makes: NaN or
// infinite entries are refused; finite ones that send points near float's range (a projection
// close to 0) sample a defined pixel or the fill value. The integer conversions of those
// coordinates were undefined behaviour (NaN or 1e30 to int64).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

namespace {

// (1, 5, 6, 2) images with values in [1, 2].
Tensor images() { return Tensor::uniform({1, 5, 6, 2}, 3, 1.0, 2.0); }

}  // namespace

TEST_SUITE("core/ops") {

TEST_CASE("hostile api: affine_transform refuses a transform holding NaN or an infinity") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto e = capture([&] { (void)affine_transform(images(), {{1, 0, nan, 0, 1, 0, 0, 0}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.what(), "affine_transform transforms[0][2]"));
  CHECK(e.actual() == "NaN");
  CHECK(has(e.expected(), "a finite number"));
  Tensor two = Tensor::uniform({2, 5, 6, 2}, 4, 1.0, 2.0);
  e = capture([&] {
    (void)affine_transform(two, {{1, 0, 0, 0, 1, 0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, -inf}});
  });
  CHECK(has(e.what(), "affine_transform transforms[1][7]"));
  CHECK(e.actual() == "-inf");
}

TEST_CASE("hostile api: affine_transform maps coordinates near float's range to defined pixels") {
  const std::vector<ImageTransform> far = {
      {1e30f, 0, 0, 0, 1e30f, 0, 0, 0},          // every pixel but (0, 0) far outside
      {-3e38f, 0, 1, 0, 3e38f, -2, 0, 0},       // near float's largest values
      {1, 0, 0, 0, 1, 0, -1.0000001f, 0},      // projection near 0 at x = 1: huge, then inf
      {1, 0, 0, 0, 1, 0, 1e-30f, -1e-30f}};
  for (const FillMode mode : {FillMode::reflect, FillMode::wrap, FillMode::constant, FillMode::nearest})
    for (const Interpolation in : {Interpolation::bilinear, Interpolation::nearest})
      for (const auto& t : far) {
        const std::string what = std::string(fill_mode_name(mode)) + " " + interpolation_name(in) +
                                 " " + std::to_string(&t - far.data());
        CAPTURE(what);
        const Tensor y = affine_transform(images(), {t}, {.interpolation = in, .fill_mode = mode,
                                                          .fill_value = 0.5f});
        const float* p = y.data<float>();
        for (std::int64_t i = 0; i < y.numel(); ++i) {
          // A pixel, the fill value or a mix of them: never 0 from degenerate weights or an
          // arbitrary pixel picked by an undefined conversion.
          CHECK(p[i] >= 0.5f);
          CHECK(p[i] <= 2.0f);
        }
      }
  // Within the image, the sampling is unchanged: the identity returns the images.
  const Tensor x = images();
  CHECK(allclose(affine_transform(x, {{1, 0, 0, 0, 1, 0, 0, 0}}, {.fill_mode = FillMode::reflect}), x));
}

TEST_CASE("hostile api: affine_transform refuses enum values out of range and a NaN fill_value") {
  const ImageTransform identity = {1, 0, 0, 0, 1, 0, 0, 0};
  auto mode = capture([&] {
    (void)affine_transform(images(), {identity}, {.fill_mode = static_cast<FillMode>(9)});
  });
  CHECK(mode.code() == "options.invalid");
  CHECK(has(mode.what(), "AffineTransformOptions::fill_mode"));
  CHECK(mode.actual() == "FillMode(9)");
  CHECK(mode.expected() == "one of FillMode::reflect, FillMode::wrap, FillMode::constant or "
                           "FillMode::nearest");
  auto interp = capture([&] {
    (void)affine_transform(images(), {identity}, {.interpolation = static_cast<Interpolation>(9)});
  });
  CHECK(has(interp.what(), "AffineTransformOptions::interpolation"));
  CHECK(interp.actual() == "Interpolation(9)");
  CHECK(interp.expected() == "one of Interpolation::bilinear or Interpolation::nearest");
  // NaN would fill the border with NaN (the augmentation layers refuse it as well).
  auto fill = capture([&] {
    (void)affine_transform(images(), {identity}, {.fill_value = std::nanf("")});
  });
  CHECK(fill.code() == "options.invalid");
  CHECK(has(fill.what(), "AffineTransformOptions::fill_value"));
  CHECK(fill.actual() == "NaN");
}

}  // TEST_SUITE
