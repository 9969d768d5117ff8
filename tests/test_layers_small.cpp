// Suite "layers", part "small": Flatten, Concatenate, ReLU, Softmax, Resizing (and the resize
// op), global pooling, Add, Multiply, Dropout, Rescaling, Reshape. Each against a plain double
// reference, with gradients through tests/gradcheck.hpp and the contracts with their facts.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <algorithm>
#include <cmath>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>
#include "gradcheck.hpp"
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

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

namespace {

bool has(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

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

TEST_CASE("Flatten keeps (h, w, c) order; None spatial axes give None features") {
  clear_session();
  Flatten f;
  CHECK(f.name() == "flatten");
  Tensor x = Tensor::arange(2 * 3 * 2 * 4).reshape({2, 3, 2, 4});
  Tensor y = f(x);
  REQUIRE(y.shape() == Shape{2, 24});
  // Element (n, h, w, c) lands at column (h * W + w) * C + c.
  CHECK(y.at({1, (2 * 2 + 1) * 4 + 3}) == x.at({1, 2, 1, 3}));
  CHECK(y.at({0, (1 * 2 + 0) * 4 + 2}) == x.at({0, 1, 0, 2}));
  CHECK(Flatten()(Input({7, 7, 64})).shape() == Shape{kUnknown, 7 * 7 * 64});
  auto open = Flatten()(Input({kUnknown, kUnknown, 3}));
  CHECK(open.shape() == Shape{kUnknown, kUnknown});
  auto e = capture([&] { (void)Dense(10)(open); });
  CHECK(e.code() == "dense.undefined");
  Tensor g = Tensor::uniform({2, 2, 3, 2}, 6).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return f(in[0]); }, {g});
}

TEST_CASE("Concatenate joins on each axis like NumPy") {
  clear_session();
  for (int axis : {1, 2, 3, -1, -3}) {
    int ax = axis < 0 ? axis + 4 : axis;
    Shape sa{2, 3, 4, 5}, sb = sa.with(ax, 2);
    Tensor a = Tensor::uniform(sa, 7), b = Tensor::uniform(sb, 8);
    Concatenate cat(axis);
    Tensor y = cat({a, b});
    REQUIRE(y.shape() == sa.with(ax, sa[ax] + 2));
    // Spot-check every element against the source it comes from.
    for (std::int64_t i = 0; i < y.numel(); i += 7) {
      std::vector<std::int64_t> idx(4);
      std::int64_t r = i;
      for (int d = 3; d >= 0; --d) { idx[d] = r % y.dim(d); r /= y.dim(d); }
      double want;
      if (idx[ax] < sa[ax]) want = a.at(idx);
      else { idx[ax] -= sa[ax]; want = b.at(idx); idx[ax] += sa[ax]; }
      CHECK(y.at(idx) == want);
    }
  }
  Tensor a = Tensor::uniform({2, 2, 2, 3}, 1).requires_grad(true);
  Tensor b = Tensor::uniform({2, 2, 2, 1}, 2).requires_grad(true);
  Concatenate cat;
  check_gradients([&](const std::vector<Tensor>& in) { return cat({in[0], in[1]}); }, {a, b});
}

TEST_CASE("Concatenate: symbolic shapes and its three contracts") {
  clear_session();
  auto x = Input({kUnknown, kUnknown, 32}), t = Input({kUnknown, kUnknown, 16});
  Concatenate cat;
  CHECK(cat.name() == "concatenate");
  CHECK(cat({x, t}).shape() == Shape{kUnknown, kUnknown, kUnknown, 48});
  auto a = Input({16, 16, 32}, {.name = "a"}), b = Input({28, 28, 64}, {.name = "b"});
  auto e = capture([&] { (void)Concatenate()({a, b}); });
  CHECK(e.code() == "concat.shape");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 16, 16, 64)");
  CHECK(e.actual() == "(None, 28, 28, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.fix(), "Resizing(16, 16)"));
  auto r = capture([&] { (void)Concatenate()({a, Input({10})}); });
  CHECK(r.code() == "concat.rank");
  auto ax = capture([&] { (void)Concatenate(4)({a, a}); });
  CHECK(ax.code() == "concat.axis");
  auto one = capture([&] { (void)Concatenate()(std::vector<SymbolicTensor>{a}); });
  CHECK(one.code() == "layer.input_count");
}

TEST_CASE("ReLU and Softmax against references, with gradients") {
  clear_session();
  ReLU relu_layer;
  Softmax sm;
  CHECK(relu_layer.name() == "re_lu");
  CHECK(sm.name() == "softmax");
  Tensor x = Tensor::from_vector(std::vector<float>{-2, -0.5, 0.5, 3, 1000, 999}, {3, 2});
  CHECK(allclose(relu_layer(x), Tensor::from_vector(std::vector<float>{0, 0, 0.5, 3, 1000, 999}, {3, 2})));
  auto p = sm(x).to_vector<double>();
  for (int r = 0; r < 3; ++r) {
    double a = x.at({r, 0}), b = x.at({r, 1}), m = std::max(a, b);
    double ea = std::exp(a - m), eb = std::exp(b - m);
    CHECK(p[2 * r] == doctest::Approx(ea / (ea + eb)).epsilon(1e-6));
    CHECK(p[2 * r + 1] == doctest::Approx(eb / (ea + eb)).epsilon(1e-6));
  }
  Tensor cols = Softmax(0)(x);
  CHECK(cols.sum(0).at({1}) == doctest::Approx(1.0));
  Tensor g = Tensor::uniform({3, 4}, 9, -2, 2).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return relu_layer(in[0]); }, {g});
  check_gradients([&](const std::vector<Tensor>& in) { return sm(in[0]); }, {g});
  CHECK(Softmax()(Input({kUnknown, 10})).shape() == Shape{kUnknown, kUnknown, 10});
}

TEST_CASE("global pooling: mean and max over height and width") {
  clear_session();
  GlobalAveragePooling2D gap;
  GlobalMaxPooling2D gmp;
  CHECK(gap.name() == "global_average_pooling2d");
  CHECK(gmp.name() == "global_max_pooling2d");
  Tensor x = Tensor::uniform({2, 3, 4, 5}, 12, -1, 1);
  Tensor a = gap(x), m = gmp(x);
  REQUIRE(a.shape() == Shape{2, 5});
  REQUIRE(m.shape() == Shape{2, 5});
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t c = 0; c < 5; ++c) {
      double s = 0, mx = -1e9;
      for (std::int64_t h = 0; h < 3; ++h)
        for (std::int64_t w = 0; w < 4; ++w) { s += x.at({n, h, w, c}); mx = std::max(mx, x.at({n, h, w, c})); }
      CHECK(a.at({n, c}) == doctest::Approx(s / 12).epsilon(1e-6));
      CHECK(m.at({n, c}) == mx);
    }
  Tensor g = Tensor::uniform({2, 3, 3, 2}, 13, -1, 1).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return gap(in[0]); }, {g});
  check_gradients([&](const std::vector<Tensor>& in) { return gmp(in[0]); }, {g});
  CHECK(gap(Input({kUnknown, kUnknown, 8})).shape() == Shape{kUnknown, 8});
  auto e = capture([] { (void)GlobalMaxPooling2D()(Input({128})); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.expected() == "(None, height, width, channels)");
  CHECK(has(e.cause(), "flat"));
}

TEST_CASE("Add and Multiply: values, gradients, None axes and elementwise.shape") {
  clear_session();
  Add add_layer;
  Multiply mul_layer;
  CHECK(add_layer.name() == "add");
  CHECK(mul_layer.name() == "multiply");
  Tensor a = Tensor::uniform({2, 3}, 1, -1, 1).requires_grad(true);
  Tensor b = Tensor::uniform({2, 3}, 2, -1, 1).requires_grad(true);
  Tensor c = Tensor::uniform({2, 3}, 3, -1, 1).requires_grad(true);
  Tensor s = add_layer({a, b, c}), p = mul_layer({a, b, c});
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j) {
      double va = a.at({i, j}), vb = b.at({i, j}), vc = c.at({i, j});
      CHECK(s.at({i, j}) == doctest::Approx(va + vb + vc).epsilon(1e-6));
      CHECK(p.at({i, j}) == doctest::Approx(va * vb * vc).epsilon(1e-6));
    }
  check_gradients([&](const std::vector<Tensor>& in) { return add_layer({in[0], in[1], in[2]}); }, {a, b, c});
  check_gradients([&](const std::vector<Tensor>& in) { return mul_layer({in[0], in[1], in[2]}); }, {a, b, c});
  auto x = Input({kUnknown, kUnknown, 8}), y = Input({32, 32, 8});
  CHECK(Add()({x, y}).shape() == Shape{kUnknown, 32, 32, 8});
  auto e = capture([] { (void)Add()({Input({28, 28, 64}), Input({14, 14, 64})}); });
  CHECK(e.code() == "elementwise.shape");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 28, 28, 64)");
  CHECK(e.actual() == "(None, 14, 14, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "height (axis 1) 28 vs 14"));
  auto bcast = capture([&] { (void)Multiply()({Tensor::zeros({2, 3}), Tensor::zeros({2, 1})}); });
  CHECK(bcast.code() == "elementwise.shape");  // merge layers do not broadcast
  CHECK(bcast.phase() == Phase::run);
  CHECK(bcast.info().marked == std::vector<int>{1});
  auto rank = capture([] { (void)Multiply()({Input({4}), Input({2, 2})}); });
  CHECK(rank.code() == "elementwise.shape");
  auto one = capture([] { (void)Add()(std::vector<Tensor>{Tensor::zeros({2})}); });
  CHECK(one.code() == "layer.input_count");
}

TEST_CASE("Dropout: identity at inference, scaled seeded masks in training") {
  clear_session();
  Dropout d(0.3, {.seed = 42});
  CHECK(d.name() == "dropout");
  Tensor x = Tensor::ones({100, 100});
  CHECK(array_equal(d(x), x));
  Tensor y1 = d(x, {.training = true}), y2 = d(x, {.training = true});
  auto v = y1.to_vector<double>();
  std::int64_t zeros = 0;
  for (double e : v) {
    if (e == 0) ++zeros;
    else CHECK(e == doctest::Approx(1 / 0.7));
  }
  CHECK(std::abs(static_cast<double>(zeros) / 1e4 - 0.3) < 0.02);   // ~4.6 sigma
  CHECK(std::abs(y1.mean().item() - 1.0) < 0.04);                    // the scale keeps the mean
  CHECK_FALSE(array_equal(y1, y2));                                  // a new mask each call
  Dropout same(0.3, {.seed = 42});
  CHECK(array_equal(same(x, {.training = true}), y1));               // replayable from the seed
  CHECK(array_equal(same(x, {.training = true}), y2));
  CHECK_FALSE(array_equal(Dropout(0.3, {.seed = 43})(x, {.training = true}), y1));
  // Gradient: dout * mask / (1 - rate); with x = 1 the output is exactly that factor.
  Tensor g = Tensor::ones({10, 10}).requires_grad(true);
  Tensor out = d(g, {.training = true});
  out.sum().backward();
  CHECK(allclose(g.grad(), out.detach(), 0, 1e-7));
  auto e = capture([] { (void)Dropout(1.0); });
  CHECK(e.code() == "options.invalid");
}

TEST_CASE("Rescaling: y = x * scale + offset") {
  clear_session();
  Rescaling r(1.0 / 127.5, -1.0);
  CHECK(r.name() == "rescaling");
  Tensor x = Tensor::from_vector(std::vector<float>{0, 127.5, 255}, {1, 3});
  CHECK(allclose(r(x), Tensor::from_vector(std::vector<float>{-1, 0, 1}, {1, 3}), 1e-6, 1e-6));
  Tensor g = Tensor::uniform({2, 3}, 14).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return r(in[0]); }, {g});
  CHECK(Rescaling(0.5)(Input({kUnknown, kUnknown, 3})).shape() == Shape{kUnknown, kUnknown, kUnknown, 3});
}

TEST_CASE("Reshape: target without batch, -1, reshape.size at build time") {
  clear_session();
  Reshape r({7, 7, 64});
  CHECK(r.name() == "reshape");
  CHECK(r(Input({3136})).shape() == Shape{kUnknown, 7, 7, 64});
  CHECK(Reshape({-1, 64})(Input({7, 7, 64})).shape() == Shape{kUnknown, 49, 64});
  CHECK(Reshape({-1})(Input({kUnknown, 3})).shape() == Shape{kUnknown, kUnknown});
  auto e = capture([] { (void)Reshape({7, 7, 64})(Input({3000})); });
  CHECK(e.code() == "reshape.size");
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.expected(), "3000"));
  CHECK(has(e.actual(), "3136"));
  CHECK(has(e.fix(), "3000"));
  auto d = capture([] { (void)Reshape({-1, 7})(Input({50})); });
  CHECK(d.code() == "reshape.size");
  Tensor x = Tensor::arange(24).reshape({2, 12});
  Tensor y = Reshape({3, -1})(x);
  REQUIRE(y.shape() == Shape{2, 3, 4});
  CHECK(y.at({1, 2, 3}) == 23.0);
  Tensor g = Tensor::uniform({2, 6}, 15).requires_grad(true);
  Reshape r2({2, 3});
  check_gradients([&](const std::vector<Tensor>& in) { return r2(in[0]); }, {g});
}

}  // TEST_SUITE
