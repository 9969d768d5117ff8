// Suite "layers" (part): MaxPool2D and BatchNorm against plain double-precision references,
// their gradients, BatchNorm's moving statistics and both layers' contracts.
#include <doctest/doctest.h>

#include <cmath>

#include "core/kernels/memory.hpp"
#include "gradcheck.hpp"
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/max_pool2d.hpp>

using namespace tenet;
using tenet::testing::check_gradients;

namespace {

ContractError capture_pn(const std::function<void()>& f) {
  try {
    f();
  } catch (const ContractError& e) {
    return e;
  }
  FAIL("expected a ContractError");
  throw std::logic_error("unreachable");
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

double worst_diff(const std::vector<double>& want, const Tensor& got) {
  auto g = got.to_vector<double>();
  REQUIRE(g.size() == want.size());
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - want[i]));
  return worst;
}

// A copy of the row-major (N, H, W, C) tensor t whose bytes lie in oneDNN layout `format`.
Tensor copy_in_layout(const Tensor& t, kernels::tag format) {
  const Shape& s = t.shape();
  const dnnl::memory::desc rm = kernels::nhwc_desc(s);
  const dnnl::memory::desc d = kernels::f32_desc({s[0], s[3], s[1], s[2]}, format);
  Tensor b = kernels::empty_in(s, d, rm);
  kernels::reorder(kernels::wrap(rm, t), kernels::wrap_in(d, b));
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

// Batch normalisation over the last axis in double: statistics (biased variance) over all
// other axes when `training`, else the given ones. Returns y; fills dx, dgamma, dbeta for dy.
struct RefNorm {
  std::vector<double> y, dx, dgamma, dbeta, mean, var;
};
RefNorm ref_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& dy,
                 bool training, const Tensor& mm, const Tensor& mv, double eps) {
  auto xv = x.to_vector<double>(), g = gamma.to_vector<double>(), b = beta.to_vector<double>();
  auto d = dy.to_vector<double>();
  std::size_t c = static_cast<std::size_t>(x.dim(-1)), m = xv.size() / c;
  RefNorm r;
  r.mean = mm.to_vector<double>();
  r.var = mv.to_vector<double>();
  if (training) {
    r.mean.assign(c, 0.0);
    r.var.assign(c, 0.0);
    for (std::size_t i = 0; i < xv.size(); ++i) r.mean[i % c] += xv[i] / double(m);
    for (std::size_t i = 0; i < xv.size(); ++i)
      r.var[i % c] += (xv[i] - r.mean[i % c]) * (xv[i] - r.mean[i % c]) / double(m);
  }
  r.y.resize(xv.size());
  r.dx.resize(xv.size());
  r.dgamma.assign(c, 0.0);
  r.dbeta.assign(c, 0.0);
  std::vector<double> xhat(xv.size()), mean_d(c, 0.0), mean_dx(c, 0.0);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::size_t f = i % c;
    xhat[i] = (xv[i] - r.mean[f]) / std::sqrt(r.var[f] + eps);
    r.y[i] = g[f] * xhat[i] + b[f];
    r.dgamma[f] += d[i] * xhat[i];
    r.dbeta[f] += d[i];
    mean_d[f] += d[i] / double(m);
    mean_dx[f] += d[i] * xhat[i] / double(m);
  }
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::size_t f = i % c;
    double scale = g[f] / std::sqrt(r.var[f] + eps);
    r.dx[i] = training ? scale * (d[i] - mean_d[f] - xhat[i] * mean_dx[f]) : scale * d[i];
  }
  return r;
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
  auto e = capture_pn([&] { (void)pool(Input({28, 28})); });
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
  auto t = capture_pn([&] { (void)fifth(x); });
  CHECK(t.code() == "conv.too_small");
  CHECK(t.phase() == Phase::build);
  CHECK(t.site().name == "pool_5");
  CHECK(t.actual() == "(None, 1, 1, 1)");
  CHECK(has(t.cause(), "valid 2x2 pool window on 1x1 input"));
  CHECK(has(t.cause(), "(1 - 2)/2 + 1 = 0"));
  CHECK(has(t.fix(), "fewer pooling steps"));
  CHECK(t.provenance().size() >= 4);  // the four poolings that shrank the image
  auto r = capture_pn([&] { (void)pool(Tensor::zeros({1, 1, 9, 2})); });
  CHECK(r.code() == "conv.too_small");
  CHECK(r.phase() == Phase::run);
}

TEST_CASE("BatchNorm matches a double-precision reference in training and inference") {
  for (bool training : {true, false}) {
    for (const Shape& shape : {Shape{3, 4, 5, 6}, Shape{16, 5}}) {
      CAPTURE(training); CAPTURE(shape.str());
      BatchNorm bn;
      Tensor x = (Tensor::randn(shape, 41) * 2.0 + 0.5).detach().requires_grad(true);
      (void)bn(x);  // build, then non-trivial gamma, beta and moving statistics
      std::int64_t c = shape.dim(-1);
      bn.set_weights({Tensor::uniform({c}, 1, 0.5, 1.5), Tensor::uniform({c}, 2, -1, 1),
                      Tensor::uniform({c}, 3, -0.5, 0.5), Tensor::uniform({c}, 4, 0.5, 2.0)});
      auto w = bn.weights();
      Tensor y = bn(x, {.training = training});
      Tensor dy = Tensor::randn(shape, 43);
      y.backward(dy);
      RefNorm r = ref_norm(x, w[0], w[1], dy, training, w[2], w[3], 1e-3);
      CHECK(worst_diff(r.y, y) <= 1e-4);
      CHECK(worst_diff(r.dx, x.grad()) <= 1e-4);
      CHECK(worst_diff(r.dgamma, w[0].grad()) <= 1e-3);
      CHECK(worst_diff(r.dbeta, w[1].grad()) <= 1e-3);
    }
  }
}

TEST_CASE("BatchNorm gradient check in training mode") {
  BatchNorm bn;
  Tensor x = Tensor::randn({4, 2, 2, 3}, 51).requires_grad(true);
  (void)bn(x);
  bn.set_weights({Tensor::uniform({3}, 5, 0.5, 1.5), Tensor::uniform({3}, 6, -1, 1),
                  Tensor::zeros({3}), Tensor::ones({3})});
  auto w = bn.weights();
  check_gradients([&](const std::vector<Tensor>& in) { return bn(in[0], {.training = true}); },
                  {x}, {w[0], w[1]});
  BatchNorm flat;
  Tensor f = Tensor::randn({6, 4}, 52).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return flat(in[0], {.training = true}); },
                  {f}, {});
}

TEST_CASE("BatchNorm moving statistics change only on commit, by Keras's formula") {
  clear_session();
  BatchNorm bn({.momentum = 0.9});
  CHECK(bn.name() == "batch_normalization");
  Tensor x = Tensor::randn({8, 3, 3, 2}, 61) * 3.0 + 1.0;
  Tensor y = bn(x, {.training = true});
  auto w = bn.weights();
  REQUIRE(w.size() == 4);
  CHECK(bn.impl()->weight_names() ==
        std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"});
  CHECK(bn.impl()->trainable() == std::vector<bool>{true, true, false, false});
  CHECK(bn.impl()->param_count(true) == 4);
  CHECK(w[2].to_vector<float>() == std::vector<float>{0, 0});  // unchanged before commit
  CHECK(w[3].to_vector<float>() == std::vector<float>{1, 1});
  RefNorm r = ref_norm(x, w[0], w[1], Tensor::zeros(x.shape()), true, w[2], w[3], 1e-3);
  bn.commit();
  for (int f = 0; f < 2; ++f) {
    CHECK(w[2].at({f}) == doctest::Approx(0.9 * 0.0 + 0.1 * r.mean[f]).epsilon(1e-5));
    CHECK(w[3].at({f}) == doctest::Approx(0.9 * 1.0 + 0.1 * r.var[f]).epsilon(1e-5));
  }
  Tensor before = w[2].clone();
  bn.commit();  // nothing pending: no change
  CHECK(array_equal(before, w[2]));
  (void)bn(x, {.training = true});
  bn.discard();
  bn.commit();
  CHECK(array_equal(before, w[2]));
  (void)bn(x);  // inference records nothing
  bn.commit();
  CHECK(array_equal(before, w[2]));
  CHECK(bn.impl()->describe() == "momentum 0.9");
  CHECK(BatchNorm().impl()->describe() == "momentum 0.99");
}

TEST_CASE("BatchNorm batchnorm.features") {
  BatchNorm bn({.name = "bn_a"});
  (void)bn(Input({16, 16, 32}));
  auto e = capture_pn([&] { (void)bn(Input({16, 16, 64})); });
  CHECK(e.code() == "batchnorm.features");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "bn_a");
  CHECK(e.expected() == "(None, 16, 16, 32)");
  CHECK(e.actual() == "(None, 16, 16, 64)");
  CHECK(has(e.cause(), "built for 32 features"));
  CHECK(has(e.fix(), "new BatchNorm"));
  auto r = capture_pn([&] { (void)bn(Tensor::zeros({4, 10})); });
  CHECK(r.code() == "batchnorm.features");
  CHECK(r.phase() == Phase::run);
  CHECK(r.expected() == "(4, 32)");
  auto u = capture_pn([&] { (void)BatchNorm()(Input({8, kUnknown})); });
  CHECK(u.code() == "batchnorm.features");
}

}  // TEST_SUITE
