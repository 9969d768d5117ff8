// Suite "layers": the tests of max_pool2d.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/max_pool2d.hpp>

#include "core/kernels/max_pool.hpp"
#include "core/kernels/memory.hpp"
#include "core/kernels/pooling.hpp"
#include "support/gradcheck.hpp"
#include "support/test_util.hpp"
#include "support/pool_norm_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;
using tenet::testing::worst_diff;

namespace {

// A copy of the row-major (N, H, W, C) tensor t whose bytes lie in oneDNN layout `format`.
Tensor copy_in_layout(const Tensor& t, kernels::tag format) {
  const Shape& s = t.shape();
  const dnnl::memory::desc rm = kernels::nhwc_desc(s);
  const dnnl::memory::desc d = kernels::f32_desc({s[0], s[3], s[1], s[2]}, format);
  Tensor b = kernels::empty_in(s, d, rm);
  kernels::reorder(kernels::row_major_memory(rm, t), kernels::stored_memory(d, b));
  return b;
}

// Max pooling in double with TensorFlow's padding (padded cells never win), and the gradient
// routed to each window's (first) maximum. x (N, H, W, C).
void ref_pool(const Tensor& x, long k, long s, bool same, const Tensor& dy, Shape& out_shape,
              std::vector<double>& y, std::vector<double>& dx) {
  auto xv = x.to_vector<double>();
  long n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  auto axis = [&](long in, long& out, long& pad) {
    out = same ? (in + s - 1) / s : (in - k) / s + 1;
    pad = same ? std::max((out - 1) * s + k - in, 0L) / 2 : 0;
  };
  long oh, ow, ph, pw;
  axis(h, oh, ph);
  axis(w, ow, pw);
  out_shape = Shape{n, oh, ow, c};
  y.assign(static_cast<std::size_t>(n * oh * ow * c), 0.0);
  dx.assign(xv.size(), 0.0);
  std::vector<double> gv = dy.defined() ? dy.to_vector<double>() : std::vector<double>(y.size());
  for (long b = 0; b < n; ++b)
    for (long i = 0; i < oh; ++i)
      for (long j = 0; j < ow; ++j)
        for (long q = 0; q < c; ++q) {
          double best = -INFINITY;
          std::size_t arg = 0;
          for (long a = 0; a < k; ++a)
            for (long e = 0; e < k; ++e) {
              long ih = i * s + a - ph, iw = j * s + e - pw;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              std::size_t xi = ((b * h + ih) * w + iw) * c + q;
              if (xv[xi] > best) best = xv[xi], arg = xi;
            }
          std::size_t yi = ((b * oh + i) * ow + j) * c + q;
          y[yi] = best;
          dx[arg] += gv[yi];
        }
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("MaxPool2D matches a double-precision reference in every layout, with every window") {
  // Forward and backward, and inference (no gradient asked). tenet's pooling kernels take a block of channel lanes at a time: 16 when the layout's
  // block allows (nChw16c, nhwc with 16k channels; 2x2/2 valid windows on their own fast path),
  // else one. Each layout and window against the double-precision reference.
  struct Layout { kernels::tag format; long c; };
  const Layout layouts[] = {{kernels::tag::nhwc, 3},     {kernels::tag::nhwc, 32},
                            {kernels::tag::nhwc, 16},    {kernels::tag::aBcd16b, 32},
                            {kernels::tag::aBcd16b, 20}, {kernels::tag::aBcd8b, 12},
                            {kernels::tag::aBcd4b, 6},   {kernels::tag::nchw, 5}};
  struct Window { long k, s; bool same; long h, w; };
  const Window windows[] = {{2, 2, false, 9, 7},  {2, 2, false, 8, 8},   {2, 2, true, 9, 7},
                            {3, 2, false, 9, 7},  {3, 1, true, 6, 5},    {2, 1, false, 5, 6},
                            {2, 3, false, 9, 7},  // stride past the window: cells in none
                            {2, 2, false, 2, 2},  {2, 2, true, 1, 1},   // 1x1 outputs
                            {15, 2, false, 17, 16},  // 225 cells: one-byte positions up to 224
                            {16, 1, false, 17, 18}};  // 256 cells: int32 argmax positions
  for (const Layout& l : layouts)
    for (const Window& w : windows) {
      CAPTURE(static_cast<int>(l.format)); CAPTURE(l.c);
      CAPTURE(w.k); CAPTURE(w.s); CAPTURE(w.same); CAPTURE(w.h);
      MaxPool2D pool({w.k, w.k}, {.strides = {w.s, w.s},
                                  .padding = w.same ? Padding::same : Padding::valid});
      Tensor plain = Tensor::randn({3, w.h, w.w, l.c}, 41);
      Tensor x = copy_in_layout(plain, l.format).requires_grad(true);
      // A tensor is "blocked" when its bytes differ from row-major (nchw with 1x1 images
      // does not).
      auto apart = [&](const Shape& s) {
        return !kernels::same_bytes(kernels::f32_desc({s[0], s[3], s[1], s[2]}, l.format),
                                    kernels::nhwc_desc(s));
      };
      const bool blocked = kernels::is_blocked(x);
      CHECK(blocked == apart(x.shape()));
      Tensor y = pool(x);
      CHECK(kernels::is_blocked(y) == apart(y.shape()));  // the output lies like the input
      Tensor dy = Tensor::randn(y.shape(), 42);
      y.backward(dy);
      CHECK(kernels::is_blocked(x.grad()) == blocked);  // and so does the gradient
      Shape shape;
      std::vector<double> want, dx;
      ref_pool(plain, w.k, w.s, w.same, dy, shape, want, dx);
      REQUIRE(y.shape() == shape);
      CHECK(worst_diff(want, y) == 0.0);
      CHECK(worst_diff(dx, x.grad()) <= 1e-6);
      NoGradGuard no_grad;  // inference: no argmax positions kept
      CHECK(worst_diff(want, pool(copy_in_layout(plain, l.format))) == 0.0);
    }
}

TEST_CASE("MaxPool2D backward reads a row-major gradient in place: the bits of the converted one") {
  // The gradient a Flatten hands back is row-major; the 2x2 loops read it where it lies
  // instead of converting it to the pooling's blocked layout first. Both must give the same
  // dx, bit for bit, in the input's layout; 20 channels (a padded last block) still convert.
  for (long c : {32L, 64L, 20L}) {
    CAPTURE(c);
    Tensor x = copy_in_layout(Tensor::randn({3, 9, 7, c}, 43), kernels::tag::aBcd16b);
    kernels::PoolPlans plans;
    const kernels::PoolGeometry g{2, 2, 2, 2, 0, 0, 4, 3};
    auto plan = kernels::max_pool_plan(plans, x, g);
    Tensor argmax;
    Tensor y = kernels::max_pool2d_forward(*plan, x, &argmax, false);
    const Tensor dout = Tensor::randn(y.shape(), 44);  // row-major
    REQUIRE_FALSE(kernels::is_blocked(dout));
    Tensor from_row_major = kernels::max_pool2d_backward(*plan, x.shape(), argmax, dout);
    Tensor from_blocked = kernels::max_pool2d_backward(
        *plan, x.shape(), argmax, copy_in_layout(dout, kernels::tag::aBcd16b));
    CHECK(kernels::is_blocked(from_row_major));
    const auto a = from_row_major.to_vector<float>(), b = from_blocked.to_vector<float>();
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    CHECK(std::count(a.begin(), a.end(), 0.0f) >= static_cast<long>(a.size()) * 3 / 4);
  }
}

TEST_CASE("MaxPool2D takes tensors with no elements") {
  MaxPool2D pool({2, 2});
  for (const Shape& shape : {Shape{2, 4, 4, 0}, Shape{0, 4, 4, 3}, Shape{0, 4, 4, 32}}) {
    CAPTURE(shape.str());
    Tensor x = Tensor::zeros(shape).requires_grad(true);
    Tensor y = pool(x);
    CHECK(y.shape() == Shape{shape[0], 2, 2, shape[3]});
    y.sum().backward();
    CHECK(x.grad().shape() == shape);
  }
}

TEST_CASE("MaxPool2D gradient check, sizes and description") {
  MaxPool2D pool({2, 2}, {.padding = Padding::same});
  Tensor x = Tensor::randn({2, 5, 5, 2}, 31).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return pool(in[0]); }, {x});
  auto img = Input({28, 28, 8});
  CHECK(MaxPool2D({2, 2})(img).shape() == Shape{kUnknown, 14, 14, 8});
  CHECK(MaxPool2D({3, 3}, {.strides = {2, 2}})(img).shape() == Shape{kUnknown, 13, 13, 8});
  CHECK(MaxPool2D({2, 2}, {.padding = Padding::same})(Input({5, 5, 1})).shape() ==
        Shape{kUnknown, 3, 3, 1});
  CHECK(MaxPool2D({2, 2})(Input({kUnknown, kUnknown, 4})).shape() ==
        Shape{kUnknown, kUnknown, kUnknown, 4});
  CHECK(MaxPool2D({2, 2}).impl()->describe() == "2x2");
  CHECK(MaxPool2D({3, 3}, {.strides = {1, 1}, .padding = Padding::same}).impl()->describe() ==
        "3x3, same, strides 1x1");
}

TEST_CASE("MaxPool2D contracts conv.rank and conv.too_small") {
  MaxPool2D pool({2, 2}, {.name = "pool_a"});
  auto e = capture([&] { (void)pool(Input({28, 28})); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "pool_a");
  CHECK(e.site().type == "MaxPool2D");
  CHECK(has(e.cause(), "the channel axis is missing"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
  // Four 2x2 poolings of 28x28 leave 1x1: the fifth has nothing left to pool.
  MaxPool2D fifth({2, 2}, {.name = "pool_5"});
  auto x = Input({28, 28, 1});
  for (int i = 0; i < 4; ++i) x = MaxPool2D({2, 2})(x);
  CHECK(x.shape() == Shape{kUnknown, 1, 1, 1});
  auto t = capture([&] { (void)fifth(x); });
  CHECK(t.code() == "conv.too_small");
  CHECK(t.phase() == Phase::build);
  CHECK(t.site().name == "pool_5");
  CHECK(t.actual() == "(None, 1, 1, 1)");
  CHECK(has(t.cause(), "valid 2x2 pool window on 1x1 input"));
  CHECK(has(t.cause(), "(1 - 2)/2 + 1 = 0"));
  CHECK(has(t.fix(), "fewer pooling steps"));
  CHECK(t.provenance().size() >= 4);  // the four poolings that shrank the image
  auto r = capture([&] { (void)pool(Tensor::zeros({1, 1, 9, 2})); });
  CHECK(r.code() == "conv.too_small");
  CHECK(r.phase() == Phase::run);
}

}  // TEST_SUITE

TEST_SUITE("layers") {

TEST_CASE("MaxPool2D after Concatenate: odd channels, batch 1, infinities, both row copies") {
  // 17 + 16 channels in nChw16c (a partial last block), odd H and W, 2x2/2 (the AVX-512 rows
  // where the CPU has them, else the plain ones) and 3x3/2 same, against the reference.
  for (bool avx512 : {true, false})
    for (long c0 : {1L, 3L, 17L}) {
      CAPTURE(avx512); CAPTURE(c0);
      const bool wide = kernels::use_avx512_rows(avx512);
      Tensor a = Tensor::randn({1, 7, 9, c0}, 5), b = Tensor::randn({1, 7, 9, 16}, 6);
      float* pa = a.data<float>();
      pa[0] = INFINITY, pa[c0 * 3] = -INFINITY, pa[c0 * 10] = INFINITY;
      Tensor xa = copy_in_layout(a, kernels::tag::aBcd16b).requires_grad(true);
      Tensor xb = copy_in_layout(b, kernels::tag::aBcd16b).requires_grad(true);
      const Tensor joined = Concatenate()({a, b});
      for (long k : {2L, 3L}) {
        MaxPool2D pool({k, k}, {.strides = {2, 2}, .padding = k == 3 ? Padding::same : Padding::valid});
        Tensor y = pool(Concatenate()({xa, xb}));
        Tensor dy = Tensor::randn(y.shape(), 7);
        y.backward(dy);
        Shape shape;
        std::vector<double> want, dx;
        ref_pool(joined, k, 2, k == 3, dy, shape, want, dx);
        REQUIRE(y.shape() == shape);
        CHECK(worst_diff(want, y) == 0.0);  // finite cells (inf - inf is NaN, not counted)
        const std::vector<double> got = y.to_vector<double>();
        for (std::size_t i = 0; i < got.size(); ++i)
          if (std::isinf(want[i])) CHECK(got[i] == want[i]);
        std::vector<double> da, db;
        for (std::size_t i = 0; i < dx.size(); ++i)
          (static_cast<long>(i) % (c0 + 16) < c0 ? da : db).push_back(dx[i]);
        CHECK(worst_diff(da, xa.grad()) <= 1e-6);
        CHECK(worst_diff(db, xb.grad()) <= 1e-6);
        xa.zero_grad(), xb.zero_grad();
      }
      CHECK(wide == (avx512 && kernels::use_avx512_rows(true)));
    }
  kernels::use_avx512_rows(true);
}

TEST_CASE("hostile api: MaxPool2D sizes above Conv2D's limit are refused; windows up to it get exact gradients") {
  constexpr std::int64_t kMax = 2147483647;  // Conv2D's limit on kernel extent and strides
  // 2^31 per side gave wrong gradients, 2^32 and more overflowed the window arithmetic (UBSan).
  auto e = capture([] { (void)MaxPool2D({kMax + 1, kMax + 1}, {.strides = {1, 1}}); });
  tenet::testing::check_invalid_option(e, "MaxPool2D pool_size", "{2147483648, 2147483648}",
                                       "two integers from 1 to 2147483647");
  CHECK(e.phase() == Phase::build);
  CHECK(has(e, "has a size above 2147483647"));
  CHECK(has(e.fix(), "GlobalMaxPooling2D()"));
  e = capture([] { (void)MaxPool2D({2, 2}, {.strides = {1, std::int64_t{1} << 40}}); });
  tenet::testing::check_invalid_option(e, "MaxPool2DOptions::strides", "{1, 1099511627776}",
                                       "from 1 to 2147483647");
  // At the limit (accepted, as by Conv2D) a window has more cells than int32 counts: the
  // positions of the maxima are kept in 64 bits. The old 32-bit positions aliased, and the
  // gradient of a sum over 8x8x3 outputs summed to 512 instead of 192.
  CHECK(kernels::argmax_bytes({.kh = 2, .kw = 2}) == 1);
  CHECK(kernels::argmax_bytes({.kh = 46340, .kw = 46340}) == 4);  // 2147395600 cells
  CHECK(kernels::argmax_bytes({.kh = 46341, .kw = 46341}) == 8);  // 2147488281 cells
  CHECK(kernels::argmax_bytes({.kh = kMax, .kw = kMax}) == 8);
  for (auto [kh, kw, c] : {std::array<std::int64_t, 3>{kMax, kMax, 3}, {3, kMax, 3},
                           {kMax, kMax, 16}}) {
    CAPTURE(kh);
    CAPTURE(kw);
    CAPTURE(c);
    Tensor x = Tensor::randn({1, 8, 8, c}, 7).requires_grad(true);
    Tensor y = MaxPool2D({kh, kw}, {.strides = {1, 1}, .padding = Padding::same})(x);
    REQUIRE(y.shape() == Shape{1, 8, 8, c});
    y.sum().backward();
    // The reference: each output's window ("same": (k - 1) / 2 cells of padding before) adds 1
    // at its first maximum.
    const std::vector<float> xs = x.to_vector<float>();
    std::vector<float> want(xs.size(), 0.0f);
    for (std::int64_t oh = 0; oh < 8; ++oh)
      for (std::int64_t ow = 0; ow < 8; ++ow)
        for (std::int64_t ch = 0; ch < c; ++ch) {
          const std::int64_t h0 = oh - (kh - 1) / 2, w0 = ow - (kw - 1) / 2;
          std::int64_t best = -1;
          const std::int64_t h1 = std::min<std::int64_t>(h0 + kh, 8);
          const std::int64_t w1 = std::min<std::int64_t>(w0 + kw, 8);
          for (std::int64_t i = std::max<std::int64_t>(h0, 0); i < h1; ++i)
            for (std::int64_t j = std::max<std::int64_t>(w0, 0); j < w1; ++j)
              if (best < 0 || xs[(i * 8 + j) * c + ch] > xs[best]) best = (i * 8 + j) * c + ch;
          want[static_cast<std::size_t>(best)] += 1.0f;
        }
    CHECK(x.grad().to_vector<float>() == want);
    CHECK(x.grad().sum().item() == doctest::Approx(static_cast<double>(y.numel())));
  }
}

}  // TEST_SUITE
