// Suite "layers": the tests of resizing.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/layers/activation.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;

namespace {

// TF's half-pixel bilinear formula in double: in = (o + 0.5) * in_size / out_size - 0.5,
// clamped to [0, in_size - 1], then linear interpolation between floor(in) and the next pixel.
std::vector<double> ref_resize(const std::vector<double>& x, std::int64_t n, std::int64_t h,
                               std::int64_t w, std::int64_t c, std::int64_t oh, std::int64_t ow) {
  auto coord = [](std::int64_t o, std::int64_t in, std::int64_t out) {
    double v = (o + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
    return std::clamp(v, 0.0, static_cast<double>(in - 1));
  };
  std::vector<double> y(static_cast<std::size_t>(n * oh * ow * c));
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j)
        for (std::int64_t k = 0; k < c; ++k) {
          double fy = coord(i, h, oh), fx = coord(j, w, ow);
          auto y0 = static_cast<std::int64_t>(std::floor(fy)), x0 = static_cast<std::int64_t>(std::floor(fx));
          std::int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
          double wy = fy - y0, wx = fx - x0;
          auto at = [&](std::int64_t yy, std::int64_t xx) { return x[((b * h + yy) * w + xx) * c + k]; };
          y[((b * oh + i) * ow + j) * c + k] =
              (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) +
              wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
        }
  return y;
}

void check_resize_against_reference(std::int64_t h, std::int64_t w, std::int64_t oh,
                                    std::int64_t ow) {
  Tensor x = Tensor::uniform({2, h, w, 3}, 11, -1, 1);
  auto ref = ref_resize(x.to_vector<double>(), 2, h, w, 3, oh, ow);
  Tensor y = resize(x, {oh, ow});
  REQUIRE(y.shape() == Shape{2, oh, ow, 3});
  auto got = y.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(got[i] - ref[i]));
  CHECK(worst < 1e-5);
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("resize: 2x2 to 4x4 gives TensorFlow's half-pixel values") {
  Tensor x = Tensor::from_vector(std::vector<float>{0, 1, 2, 3}, {1, 2, 2, 1});
  Tensor y = resize(x, {4, 4});
  REQUIRE(y.shape() == Shape{1, 4, 4, 1});
  auto v = y.to_vector<double>();
  CHECK(v[0] == doctest::Approx(0.0));
  CHECK(v[1] == doctest::Approx(0.25));
  CHECK(v[2] == doctest::Approx(0.75));
  CHECK(v[3] == doctest::Approx(1.0));
  // The first column goes 0, 0.5, 1.5, 2 (rows weigh 2, columns 1).
  CHECK(v[4] == doctest::Approx(0.5));
  CHECK(v[8] == doctest::Approx(1.5));
  CHECK(v[15] == doctest::Approx(3.0));
}

TEST_CASE("resize matches the double reference: up 14->28, down 28->14, non-square") {
  check_resize_against_reference(14, 14, 28, 28);
  check_resize_against_reference(28, 28, 14, 14);
  check_resize_against_reference(5, 7, 3, 11);
  check_resize_against_reference(6, 6, 6, 6);  // same size is the identity
  Tensor x = Tensor::uniform({4, 4, 2}, 3);
  CHECK(allclose(resize(x, {4, 4}), x, 0, 1e-7));
}

TEST_CASE("resize accepts one image (H, W, C) and uint8 data") {
  Tensor img = Tensor::uniform({5, 5, 2}, 4);
  Tensor one = resize(img, {3, 8});
  CHECK(one.shape() == Shape{3, 8, 2});
  CHECK(allclose(one, resize(expand_dims(img, 0), {3, 8}).reshape({3, 8, 2}), 0, 1e-7));
  Tensor u = Tensor::full({1, 2, 2, 1}, 200, DType::u8);
  Tensor r = resize(u, {3, 3});
  CHECK(r.dtype() == DType::f32);
  CHECK(r.at({0, 1, 1, 0}) == doctest::Approx(200.0));
  auto e = capture([] { (void)resize(Tensor::zeros({28, 28}), {14, 14}); });
  CHECK(e.code() == "input.rank");
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
}

TEST_CASE("hostile api: resize of an axis past 2^25 stays inside it, forward and backward") {
  // (o + 0.5) * scale - 0.5 rounds up to the axis length there: the lower tap read (and the
  // gradient wrote) one pixel past the row, so the last output pixel was 0 instead of 7.
  const std::int64_t w = (std::int64_t{1} << 25) + 4;
  for (const bool width : {true, false}) {
    CAPTURE(width);
    const Shape s = width ? Shape{1, 1, w, 1} : Shape{1, w, 1, 1};
    Tensor x = Tensor::full(s, 7.0).requires_grad(true);
    Tensor y = resize(x, width ? std::array<std::int64_t, 2>{1, w} : std::array<std::int64_t, 2>{w, 1});
    const float* p = y.data<float>();
    CHECK(p[0] == 7.0f);
    CHECK(p[w - 1] == 7.0f);
    y.sum().backward();
    const std::vector<std::int64_t> last = width ? std::vector<std::int64_t>{0, 0, w - 1, 0}
                                                 : std::vector<std::int64_t>{0, w - 1, 0, 0};
    CHECK(x.grad().at(last) == doctest::Approx(1.0));
  }
}

TEST_CASE("resize and Resizing gradients pass gradcheck (up and down)") {
  Tensor x = Tensor::uniform({2, 3, 4, 2}, 5, -1, 1).requires_grad(true);
  check_gradients([](const std::vector<Tensor>& in) { return resize(in[0], {5, 7}); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return resize(in[0], {2, 3}); }, {x});
  Resizing layer(6, 2);
  check_gradients([&](const std::vector<Tensor>& in) { return layer(in[0]); }, {x});
}

TEST_CASE("Resizing: name, symbolic shapes with None height/width, conv.rank") {
  clear_session();
  Resizing r(64, 64);
  CHECK(r.name() == "resizing");
  auto in = Input({kUnknown, kUnknown, 3});
  CHECK(r(in).shape() == Shape{kUnknown, 64, 64, 3});
  auto e = capture([] { (void)Resizing(14, 14)(Input({28, 28})); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.phase() == Phase::build);
  CHECK(e.actual() == "(None, 28, 28)");
  CHECK(has(e.cause(), "channel"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
}

}  // TEST_SUITE
