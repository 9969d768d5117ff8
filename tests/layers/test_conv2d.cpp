// Suite "layers": Conv2D against a plain double-precision reference, its gradients, Keras's
// shape and layout conventions, and its contracts (the build-phase contract codes:
// test_conv2d_contracts.cpp).
#include <doctest/doctest.h>

#include <cmath>

#include <tenet/layers/conv2d.hpp>

#include "support/gradcheck.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// TensorFlow's rule for one axis, written out independently of core/contracts/layer_checks.cpp.
struct RefAxis {
  long out, pad;  // pad = padding before (top/left)
};
RefAxis ref_axis(long in, long k, long s, long d, bool same) {
  long span = (k - 1) * d + 1;
  if (!same) return {(in - span) / s + 1, 0};
  long out = (in + s - 1) / s;
  long total = std::max((out - 1) * s + span - in, 0L);
  return {out, total / 2};
}

struct RefConv {
  long kh, kw, sh, sw, dh, dw;
  bool same;
};

// Direct convolution in double: x (N, H, W, C), k (KH, KW, C, O), b (O,) -> (N, OH, OW, O).
std::vector<double> ref_conv(const Tensor& x, const Tensor& k, const Tensor& b, const RefConv& c,
                             Shape& out_shape) {
  auto xv = x.to_vector<double>(), kv = k.to_vector<double>(), bv = b.to_vector<double>();
  long n = x.dim(0), h = x.dim(1), w = x.dim(2), ci = x.dim(3), co = k.dim(3);
  RefAxis ah = ref_axis(h, c.kh, c.sh, c.dh, c.same), aw = ref_axis(w, c.kw, c.sw, c.dw, c.same);
  out_shape = Shape{n, ah.out, aw.out, co};
  std::vector<double> y(static_cast<std::size_t>(n * ah.out * aw.out * co));
  for (long in = 0; in < n; ++in)
    for (long oh = 0; oh < ah.out; ++oh)
      for (long ow = 0; ow < aw.out; ++ow)
        for (long o = 0; o < co; ++o) {
          double acc = bv[o];
          for (long i = 0; i < c.kh; ++i)
            for (long j = 0; j < c.kw; ++j) {
              long ih = oh * c.sh + i * c.dh - ah.pad, iw = ow * c.sw + j * c.dw - aw.pad;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (long q = 0; q < ci; ++q)
                acc += xv[((in * h + ih) * w + iw) * ci + q] * kv[((i * c.kw + j) * ci + q) * co + o];
            }
          y[((in * ah.out + oh) * aw.out + ow) * co + o] = acc;
        }
  return y;
}

// Gradients of sum(conv(x) * dy) by the same loops: dx, dk, db.
void ref_conv_backward(const Tensor& x, const Tensor& k, const Tensor& dy, const RefConv& c,
                       std::vector<double>& dx, std::vector<double>& dk, std::vector<double>& db) {
  auto xv = x.to_vector<double>(), kv = k.to_vector<double>(), gv = dy.to_vector<double>();
  long n = x.dim(0), h = x.dim(1), w = x.dim(2), ci = x.dim(3), co = k.dim(3);
  RefAxis ah = ref_axis(h, c.kh, c.sh, c.dh, c.same), aw = ref_axis(w, c.kw, c.sw, c.dw, c.same);
  dx.assign(xv.size(), 0.0);
  dk.assign(kv.size(), 0.0);
  db.assign(static_cast<std::size_t>(co), 0.0);
  for (long in = 0; in < n; ++in)
    for (long oh = 0; oh < ah.out; ++oh)
      for (long ow = 0; ow < aw.out; ++ow)
        for (long o = 0; o < co; ++o) {
          double g = gv[((in * ah.out + oh) * aw.out + ow) * co + o];
          db[o] += g;
          for (long i = 0; i < c.kh; ++i)
            for (long j = 0; j < c.kw; ++j) {
              long ih = oh * c.sh + i * c.dh - ah.pad, iw = ow * c.sw + j * c.dw - aw.pad;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (long q = 0; q < ci; ++q) {
                std::size_t xi = ((in * h + ih) * w + iw) * ci + q;
                std::size_t ki = ((i * c.kw + j) * ci + q) * co + o;
                dx[xi] += g * kv[ki];
                dk[ki] += g * xv[xi];
              }
            }
        }
}

void check_close(const std::vector<double>& want, const Tensor& got, double tol) {
  auto g = got.to_vector<double>();
  REQUIRE(g.size() == want.size());
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - want[i]));
  CHECK(worst <= tol);
}

Conv2DOptions options_of(const RefConv& c, Activation a = Activation::none) {
  return {.strides = {c.sh, c.sw}, .padding = c.same ? Padding::same : Padding::valid,
          .dilation = {c.dh, c.dw}, .activation = a, .seed = 5};
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("Conv2D forward and backward match a double-precision reference") {
  const RefConv cases[] = {{3, 3, 1, 1, 1, 1, false}, {3, 3, 1, 1, 1, 1, true},
                           {3, 2, 2, 2, 1, 1, true},  {3, 3, 2, 1, 1, 1, false},
                           {3, 3, 1, 1, 2, 2, true},  {2, 3, 1, 2, 2, 1, false},
                           {4, 4, 2, 2, 1, 1, true}};
  int seed = 1;
  for (const RefConv& c : cases) {
    CAPTURE(c.kh); CAPTURE(c.kw); CAPTURE(c.sh); CAPTURE(c.sw); CAPTURE(c.dh); CAPTURE(c.same);
    Conv2D conv(4, {c.kh, c.kw}, options_of(c));
    Tensor x = Tensor::randn({2, 7, 8, 3}, ++seed).requires_grad(true);
    Tensor y = conv(x);
    Tensor kernel = conv.weights()[0], bias = conv.weights()[1];
    // A non-zero bias so that the reference checks it too.
    conv.set_weights({kernel, Tensor::randn({4}, 77)});
    y = conv(x);
    Shape ref_shape;
    auto want = ref_conv(x, kernel, bias, c, ref_shape);
    REQUIRE(y.shape() == ref_shape);
    check_close(want, y, 1e-4);
    Tensor dy = Tensor::randn(y.shape(), 3);
    y.backward(dy);
    std::vector<double> dx, dk, db;
    ref_conv_backward(x, kernel, dy, c, dx, dk, db);
    check_close(dx, x.grad(), 1e-4);
    check_close(dk, kernel.grad(), 1e-3);
    check_close(db, bias.grad(), 1e-3);
    kernel.zero_grad();
    bias.zero_grad();
  }
}

TEST_CASE("Conv2D gradients pass the gradient check") {
  struct Case { RefConv c; Activation a; };
  const Case cases[] = {{{3, 3, 1, 1, 1, 1, false}, Activation::none},
                        {{3, 3, 1, 1, 1, 1, true}, Activation::none},
                        {{3, 3, 2, 2, 1, 1, true}, Activation::none},
                        {{2, 2, 1, 1, 2, 2, false}, Activation::none},
                        {{3, 3, 1, 1, 1, 1, true}, Activation::relu}};
  for (const Case& k : cases) {
    CAPTURE(k.c.sh); CAPTURE(k.c.dh); CAPTURE(k.c.same); CAPTURE(static_cast<int>(k.a));
    Conv2D conv(3, {k.c.kh, k.c.kw}, options_of(k.c, k.a));
    Tensor x = Tensor::randn({2, 5, 5, 2}, 11).requires_grad(true);
    (void)conv(x);  // build
    conv.set_weights({conv.weights()[0], Tensor::uniform({3}, 4, -0.5, 0.5)});
    check_gradients([&](const std::vector<Tensor>& in) { return conv(in[0]); }, {x},
                    conv.weights());
  }
}

TEST_CASE("Conv2D without bias, and with an input that needs no gradient") {
  RefConv c{3, 3, 2, 2, 1, 1, true};
  Conv2DOptions o = options_of(c);
  o.use_bias = false;
  Conv2D conv(3, {3, 3}, o);
  Tensor x = Tensor::randn({2, 6, 5, 2}, 13);  // a constant: only the kernel gets a gradient
  Tensor y = conv(x);
  REQUIRE(conv.weights().size() == 1);
  Tensor kernel = conv.weights()[0];
  Shape shape;
  auto want = ref_conv(x, kernel, Tensor::zeros({3}), c, shape);
  check_close(want, y, 1e-4);
  Tensor dy = Tensor::randn(y.shape(), 14);
  y.backward(dy);
  std::vector<double> dx, dk, db;
  ref_conv_backward(x, kernel, dy, c, dx, dk, db);
  CHECK_FALSE(x.grad().defined());
  check_close(dk, kernel.grad(), 1e-3);
  check_gradients([&](const std::vector<Tensor>& in) { return conv(in[0]); }, {x},
                  conv.weights());
}

TEST_CASE("Conv2D fused relu equals relu of the linear convolution") {
  Conv2D lin(3, {3, 3}, {.padding = Padding::same, .seed = 9});
  Conv2D act(3, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 9});
  Tensor x = Tensor::randn({2, 6, 6, 2}, 2);
  (void)lin(x);
  (void)act(x);
  act.set_weights(lin.weights());
  CHECK(allclose(act(x), relu(lin(x)), 1e-5, 1e-6));
  CHECK(act.impl()->describe() == "3x3, same, relu");
  CHECK(Conv2D(8, {5, 5}, {.strides = {2, 2}}).impl()->describe() == "5x5, valid, strides 2x2");
}

TEST_CASE("Conv2D same padding gives TensorFlow's output sizes") {
  struct Case { long in, k, s, out; };
  const Case cases[] = {{5, 3, 2, 3}, {6, 3, 2, 3}, {28, 3, 1, 28}, {7, 4, 3, 3},
                        {8, 2, 2, 4}, {1, 3, 1, 1}, {9, 5, 4, 3}};
  for (const Case& c : cases) {
    CAPTURE(c.in); CAPTURE(c.k); CAPTURE(c.s);
    auto x = Input({c.in, c.in, 1});
    auto y = Conv2D(2, {c.k, c.k}, {.strides = {c.s, c.s}, .padding = Padding::same})(x);
    CHECK(y.shape() == Shape{kUnknown, c.out, c.out, 2});
    Tensor t = Conv2D(2, {c.k, c.k}, {.strides = {c.s, c.s}, .padding = Padding::same})(
        Tensor::randn({1, c.in, c.in, 1}, 1));
    CHECK(t.shape() == Shape{1, c.out, c.out, 2});
  }
  auto x = Input({28, 28, 1});
  auto y = Conv2D(8, {3, 3}, {.padding = Padding::same})(x);
  CHECK(y.shape() == Shape{kUnknown, 28, 28, 8});
  CHECK(Conv2D(8, {3, 3})(x).shape() == Shape{kUnknown, 26, 26, 8});
  CHECK(Conv2D(8, {3, 3}, {.dilation = {2, 2}})(x).shape() == Shape{kUnknown, 24, 24, 8});
  auto free = Input({kUnknown, kUnknown, 3});
  CHECK(Conv2D(4, {3, 3})(free).shape() == Shape{kUnknown, kUnknown, kUnknown, 4});
}

TEST_CASE("Conv2D kernel is (kh, kw, in, out) with Keras names and Glorot init") {
  Conv2D conv(2, {1, 1}, {.name = "copy"});
  Tensor x = Tensor::randn({2, 3, 3, 3}, 4);
  (void)conv(x);
  auto w = conv.weights();
  REQUIRE(w.size() == 2);
  CHECK(w[0].shape() == Shape{1, 1, 3, 2});
  CHECK(w[1].shape() == Shape{2});
  CHECK(conv.impl()->weight_names() == std::vector<std::string>{"kernel", "bias"});
  CHECK(conv.count_params() == 3 * 2 + 2);
  Tensor k = Tensor::zeros({1, 1, 3, 2});
  k.data<float>()[2 * 2 + 1] = 1.0f;  // [0, 0, ci = 2, co = 1]
  conv.set_weights({k, Tensor::zeros({2})});
  Tensor y = conv(x);
  CHECK(allclose(slice(y, 3, 1, 2), slice(x, 3, 2, 3)));
  CHECK(max_abs_diff(slice(y, 3, 0, 1), Tensor::zeros({2, 3, 3, 1})) == 0.0);
  // Glorot uniform: |w| <= sqrt(6 / (fan_in + fan_out)), fan = kh * kw * channels.
  Conv2D big(16, {3, 3}, {.seed = 3});
  (void)big(Input({8, 8, 4}));
  auto kv = big.weights()[0].to_vector<float>();
  double limit = std::sqrt(6.0 / (9 * 4 + 9 * 16)), top = 0;
  for (float v : kv) top = std::max(top, double(std::abs(v)));
  CHECK(top <= limit);
  CHECK(top > 0.9 * limit);
  CHECK(big.weights()[1].to_vector<float>() == std::vector<float>(16, 0.0f));
}

TEST_CASE("Conv2D conv.rank names the missing axis") {
  Conv2D conv(8, {3, 3}, {.name = "conv_a"});
  auto e = capture([&] { (void)conv(Input({28, 28})); });
  CHECK(e.code() == "conv.rank");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "conv_a");
  CHECK(e.actual() == "(None, 28, 28)");
  CHECK(contains(e.expected(), "channels"));
  CHECK(contains(e.cause(), "the channel axis is missing"));
  CHECK(contains(e.fix(), "expand_dims(x, -1)"));
  CHECK(contains(e.fix(), "Reshape({28, 28, 1})"));
  auto flat = capture([&] { (void)conv(Tensor::zeros({4, 784})); });
  CHECK(flat.code() == "conv.rank");
  CHECK(flat.phase() == Phase::run);
  CHECK(contains(flat.fix(), "Reshape({28, 28, 1})"));
  auto single = capture([&] { (void)conv(Tensor::zeros({28, 28, 1})); });
  CHECK(contains(single.fix(), "expand_dims(x, 0)"));
}

TEST_CASE("Conv2D conv.channels explains RGBA vs RGB") {
  Conv2D conv(8, {3, 3}, {.name = "rgb_conv"});
  (void)conv(Input({32, 32, 3}));
  auto e = capture([&] { (void)conv(Input({32, 32, 4})); });
  CHECK(e.code() == "conv.channels");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "rgb_conv");
  CHECK(e.expected() == "(None, 32, 32, 3)");
  CHECK(e.actual() == "(None, 32, 32, 4)");
  CHECK(contains(e.cause(), "RGBA"));
  CHECK(contains(e.cause(), "(3, 3, 3, 8)"));
  CHECK(contains(e.fix(), "build the layer for 4 channels"));
  auto run = capture([&] { (void)conv(Tensor::zeros({2, 32, 32, 1})); });
  CHECK(run.code() == "conv.channels");
  CHECK(run.phase() == Phase::run);
  CHECK(contains(run.cause(), "grayscale"));
  CHECK(contains(run.fix(), "build the layer for 1 channels"));
}

TEST_CASE("Conv2D conv.too_small shows the size arithmetic") {
  Conv2D conv(4, {5, 5}, {.name = "big_kernel"});
  auto e = capture([&] { (void)conv(Input({3, 3, 2})); });
  CHECK(e.code() == "conv.too_small");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "big_kernel");
  CHECK(e.actual() == "(None, 3, 3, 2)");
  CHECK(contains(e.expected(), ">=5"));
  CHECK(contains(e.cause(), "valid 5x5 kernel on 3x3 input"));
  CHECK(contains(e.cause(), "(3 - 5)/1 + 1 = -1"));
  CHECK(contains(e.fix(), "padding \"same\""));
  CHECK(contains(e.fix(), "smaller kernel"));
  // Unknown height/width pass at build time and are checked when data arrives.
  Conv2D late(4, {5, 5}, {.name = "late"});
  auto y = late(Input({kUnknown, kUnknown, 2}));
  CHECK(y.shape() == Shape{kUnknown, kUnknown, kUnknown, 4});
  auto r = capture([&] { (void)late(Tensor::zeros({1, 8, 4, 2})); });
  CHECK(r.code() == "conv.too_small");
  CHECK(r.phase() == Phase::run);
  CHECK(contains(r.cause(), "width (4 - 5)/1 + 1 = 0"));
  CHECK_FALSE(contains(r.cause(), "height"));
  // Same padding never empties the output.
  CHECK(Conv2D(4, {5, 5}, {.padding = Padding::same})(Input({3, 3, 2})).shape() ==
        Shape{kUnknown, 3, 3, 4});
}

}  // TEST_SUITE
