// Suite "layers": Conv2D on Winograd's algorithm (core/kernels/conv_rule.cpp): the rule's choice
// per pass for the benchmark nets' geometries, outputs and gradients against the direct
// algorithm and against finite differences, the fused ReLU and the kept blocked kernel with
// Winograd's weight layouts, bitwise determinism at 1 and 2 threads, and the direct switch.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/kernels/conv.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using kernels::ConvPass;

namespace {

// Winograd vs direct, measured here: outputs and dx within 2e-6 of their largest magnitude,
// dkernel and dbias (sums over 7,744 products) within 2e-6 too. Checked: within kRel of it.
constexpr double kRel = 2e-5;
constexpr double kTol = 1e-4;  // outputs of magnitude ~4, element by element

// Conv2D(filters, 3x3) on (n, h, h, c) with `padding` (net A's second convolution by default).
kernels::ConvGeometry geometry(std::int64_t n, std::int64_t c, std::int64_t o, std::int64_t h,
                               bool same, bool training = true) {
  const std::int64_t out = same ? h : h - 2, pad = same ? 1 : 0;
  return {Shape{n, h, h, c}, o, {3, 3}, {1, 1}, {1, 1}, {pad, pad}, {pad, pad}, {out, out},
          true, true, training};
}

// The rule measured on each maker's CPU, whatever this machine is.
bool amd(const kernels::ConvGeometry& g, ConvPass pass) {
  return kernels::winograd_rule(g, pass, kernels::CpuMaker::amd);
}
bool intel(const kernels::ConvGeometry& g, ConvPass pass) {
  return kernels::winograd_rule(g, pass, kernels::CpuMaker::intel);
}

bool winograd_impl(const kernels::ConvGeometry& g, ConvPass pass) {
  kernels::ConvPlans cache;
  const std::string impl = kernels::conv_impl(*kernels::conv_plan(cache, g), pass);
  return impl.find("wino") != std::string::npos;
}

// Restores the convolution algorithm and the thread count a test changed.
struct Restore {
  ConvolutionAlgorithm algorithm = convolution_algorithm();
  int threads = adaptive_threads() ? 0 : num_threads();
  ~Restore() {
    set_convolution_algorithm(algorithm);
    set_num_threads(threads);
  }
};

// y, dx, dkernel, dbias of conv on x, the loss sum(y * r).
std::vector<Tensor> run(Conv2D& conv, const Tensor& x0, const Tensor& r) {
  Tensor x = x0.detach().requires_grad(true);
  for (Tensor w : conv.weights()) w.zero_grad();
  Tensor y = conv(x);
  (y * r).sum().backward();
  const std::vector<Tensor> w = conv.weights();
  return {y.detach(), x.grad(), w[0].grad(), w[1].grad()};
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

bool bitwise_equal(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!allclose(a[i], b[i], 0.0, 0.0)) return false;
  return true;
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("The convolution rule (AMD EPYC) picks Winograd or direct per pass from the geometry") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  const auto a2 = geometry(64, 32, 64, 13, false);  // nets A and B, second convolution
  const auto c3 = geometry(64, 32, 32, 14, true);   // net C, after the concat
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights}) {
    CHECK(amd(a2, pass));
    CHECK(amd(c3, pass));
    CHECK_FALSE(amd(geometry(64, 1, 32, 28, false), pass));  // first convs
    CHECK_FALSE(amd(geometry(64, 1, 16, 14, true), pass));
    CHECK_FALSE(amd(geometry(64, 8, 16, 14, true), pass));   // < 16 channels
    CHECK_FALSE(amd(geometry(16, 32, 32, 7, true), pass));   // too little work
    CHECK_FALSE(amd(geometry(64, 16, 16, 14, true), pass));
    CHECK(amd(geometry(16, 16, 16, 28, true), pass));
  }
  // backward-weights alone at 16 channels with enough pixels
  CHECK(amd(geometry(64, 16, 32, 14, true), ConvPass::backward_weights));
  CHECK_FALSE(amd(geometry(64, 16, 32, 14, true), ConvPass::forward));
  // predict: net C's last convolution on one image; net A's 11x11 output of 2 to 15 images
  // (conv_grid: Winograd won 121 of 125 cells on two threads), not of one (lost on two threads)
  // (the same clause from 32 channels on Intel: both makers' rules checked here)
  const auto inference = ConvPass::inference;
  for (auto rule : {amd, intel}) {
    CHECK(rule(geometry(1, 32, 32, 14, true, false), inference));
    CHECK(rule(geometry(256, 32, 64, 13, false, false), inference));
    CHECK_FALSE(rule(geometry(1, 32, 64, 13, false, false), inference));
    CHECK(rule(geometry(2, 32, 64, 13, false, false), inference));
    CHECK(rule(geometry(15, 64, 32, 11, true, false), inference));
    // below 11x11 outputs (9x9) or 32 channels: direct for 2 to 15 images
    CHECK_FALSE(rule(geometry(4, 32, 64, 11, false, false), inference));
    CHECK_FALSE(rule(geometry(4, 16, 64, 13, false, false), inference));
  }
  kernels::ConvGeometry strided = a2;
  strided.strides = {2, 2};
  strided.output = {6, 6};
  CHECK_FALSE(amd(strided, ConvPass::forward));
  kernels::ConvGeometry five = a2;
  five.kernel = {5, 5};
  five.output = {9, 9};
  CHECK_FALSE(amd(five, ConvPass::forward));
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  CHECK_FALSE(kernels::winograd_chosen(a2, ConvPass::forward));
  CHECK_FALSE(kernels::winograd_chosen(c3, ConvPass::backward_weights));
}

// Measured on an Intel Xeon (benchmarks/README.md, "Winograd on an Intel Xeon"): direct below 32
// channels or filters; backward-data direct from 32 input channels below 28x28 (nets A and B's
// second convolution: 1.11-1.40x direct); backward-weights from batch 64.
TEST_CASE("The convolution rule (Intel Xeon) picks Winograd or direct per pass from the geometry") {
  const auto a2 = geometry(64, 32, 64, 13, false);  // nets A and B, second convolution
  CHECK(intel(a2, ConvPass::forward));
  CHECK_FALSE(intel(a2, ConvPass::backward_data));
  CHECK(intel(a2, ConvPass::backward_weights));
  CHECK_FALSE(intel(geometry(16, 32, 64, 13, false), ConvPass::backward_weights));  // 1.02-1.05
  CHECK(intel(geometry(16, 32, 64, 13, false), ConvPass::forward));
  const auto c3 = geometry(64, 32, 32, 14, true);  // net C, after the concat: 0.95-0.96 each
  CHECK(intel(c3, ConvPass::forward));
  CHECK_FALSE(intel(c3, ConvPass::backward_data));
  CHECK_FALSE(intel(c3, ConvPass::backward_weights));
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights}) {
    CHECK(intel(geometry(16, 32, 64, 28, true), pass));   // 28x28: 0.58-0.73
    CHECK(intel(geometry(64, 64, 64, 14, true), pass));   // 0.67-0.79
    CHECK_FALSE(intel(geometry(64, 16, 16, 28, true), pass));  // 16 channels: up to 1.5x slower
    CHECK_FALSE(intel(geometry(64, 16, 64, 28, true), pass));
    CHECK_FALSE(intel(geometry(64, 32, 32, 7, true), pass));   // 1.06-1.39
    CHECK_FALSE(intel(geometry(64, 1, 32, 28, false), pass));  // first convolutions
  }
  CHECK(intel(geometry(64, 64, 32, 14, true), ConvPass::backward_data));  // 64 input channels: 0.69
  // predict: as on AMD from 32 channels (checked with AMD's above); below, direct (1, 16 -> 64,
  // 14x14: 1.41x)
  const auto inference = ConvPass::inference;
  CHECK_FALSE(intel(geometry(1, 16, 64, 14, true, false), inference));
  CHECK(amd(geometry(1, 16, 64, 28, true, false), inference));
  CHECK_FALSE(intel(geometry(1, 16, 64, 28, true, false), inference));
  // the same limits as on AMD: one output row, strides
  CHECK_FALSE(intel(kernels::ConvGeometry{Shape{16, 3, 123, 64}, 64, {3, 3}, {1, 1}, {1, 1},
                                          {0, 0}, {0, 0}, {1, 121}, true, false, true},
                    ConvPass::forward));
  // this machine's rule is its maker's
  const bool on_intel = kernels::cpu_maker() == kernels::CpuMaker::intel;
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights})
    CHECK(kernels::winograd_rule(a2, pass) == (on_intel ? intel(a2, pass) : amd(a2, pass)));
}

TEST_CASE("A Conv2D plan runs the kernels the rule chose, Winograd only on AVX-512") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  const bool avx512 = kernels::winograd_available();
  const auto a2 = geometry(64, 32, 64, 13, false);
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights})
    CHECK(winograd_impl(a2, pass) == (avx512 && kernels::winograd_rule(a2, pass)));
  CHECK(winograd_impl(geometry(1, 32, 32, 14, true, false), ConvPass::inference) == avx512);
  CHECK_FALSE(winograd_impl(geometry(64, 1, 32, 28, false), ConvPass::forward));
  kernels::ConvPlans cache;  // a training plan has no inference pass, and the other way round
  CHECK(kernels::conv_impl(*kernels::conv_plan(cache, a2), ConvPass::inference).empty());
  CHECK(kernels::conv_impl(*kernels::conv_plan(cache, geometry(1, 32, 32, 14, true, false)),
                           ConvPass::forward)
            .empty());
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights})
    CHECK_FALSE(winograd_impl(a2, pass));
}

TEST_CASE("Predict of 2 to 15 images from 11x11 outputs runs Winograd; of one image, direct") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  const bool avx512 = kernels::winograd_available();
  for (std::int64_t n : {1, 2, 4, 15}) {
    CAPTURE(n);
    const bool wino = winograd_impl(geometry(n, 32, 64, 13, false, false), ConvPass::inference);
    CHECK(wino == (avx512 && n >= 2));
  }
  // Through a Model: the rows of a 4-image predict (Winograd) agree with the same images
  // predicted one at a time (direct) within Winograd's rounding, and each repeats its own bits.
  auto in = Input({13, 13, 32});
  Conv2D conv{64, {3, 3}, {.activation = Activation::relu, .seed = 7}};
  Model m(in, Flatten()(conv(in)));
  const Tensor x = Tensor::randn({4, 13, 13, 32}, 8);
  const Tensor four = m.predict(x, {.batch_size = 4});
  CHECK(allclose(m.predict(x, {.batch_size = 4}), four, 0.0, 0.0));
  const Tensor ones = m.predict(x, {.batch_size = 1});
  CHECK(allclose(four, ones, kTol, kRel * max_abs(ones)));
  if (avx512) CHECK_FALSE(allclose(four, ones, 0.0, 0.0));  // two algorithms, not one
}

// Defect (fixed): the rule read the output's pixels, not its shape, so a one-row output (a
// 3x3 Conv2D over (N, 3, W, C) 'valid' or (N, 1, W, C) 'same': a sequence as an image) took
// Winograd, whose tiles are 4 (or 2) rows high, and ran 1.2-7x slower than direct in every pass
// (conv_grid, docs/performance.md). Two rows (mixed) and one column keep the rule.
TEST_CASE("A convolution with one output row runs direct in every pass; two rows, Winograd from 64 channels") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  auto rect = [](std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, bool same,
                 bool training) {
    const std::int64_t pad = same ? 1 : 0;
    return kernels::ConvGeometry{Shape{n, h, w, c}, 64, {3, 3}, {1, 1}, {1, 1}, {pad, pad},
                                 {pad, pad}, {h + 2 * pad - 2, w + 2 * pad - 2}, true, false,
                                 training};
  };
  const ConvPass training_passes[] = {ConvPass::forward, ConvPass::backward_data,
                                      ConvPass::backward_weights};
  for (std::int64_t n : {1, 2, 4, 15}) {  // predict: 1x121 and 1x196, valid and 'same'
    CAPTURE(n);
    CHECK_FALSE(amd(rect(n, 32, 3, 123, false, false), ConvPass::inference));
    CHECK_FALSE(amd(rect(n, 64, 3, 198, false, false), ConvPass::inference));
    CHECK_FALSE(amd(rect(n, 64, 1, 121, true, false), ConvPass::inference));
  }
  for (ConvPass pass : training_passes) {  // training: 16 x 1x121 'same', 64 x 1x196
    CHECK_FALSE(amd(rect(16, 64, 1, 121, true, true), pass));
    CHECK_FALSE(amd(rect(64, 32, 3, 198, false, true), pass));
    CHECK(amd(rect(32, 64, 4, 63, false, true), pass));  // 2x61
  }
  // two rows below 64 channels: direct (Winograd 0.98 of direct at the median, up to 9x slower)
  for (ConvPass pass : training_passes)
    CHECK_FALSE(amd(rect(64, 32, 4, 100, false, true), pass));  // 2x98
  CHECK_FALSE(amd(rect(1, 32, 4, 100, false, false), ConvPass::inference));
  CHECK_FALSE(amd(rect(16, 16, 4, 400, false, false), ConvPass::inference));
  CHECK(amd(rect(64, 32, 5, 100, false, true), ConvPass::forward));  // 3 rows
  CHECK(amd(rect(4, 64, 4, 63, false, false), ConvPass::inference));
  CHECK(amd(rect(16, 64, 123, 3, false, true), ConvPass::forward));  // 121x1
  CHECK_FALSE(winograd_impl(rect(4, 64, 3, 123, false, false), ConvPass::inference));  // the plan
}

// No ReLU here: a pre-activation within 1e-6 of zero could take the other side of the ReLU in the
// other algorithm and move a gradient by O(1). The fused ReLU is checked on outputs below.
TEST_CASE("Winograd Conv2D matches the direct algorithm: outputs, gradients and predict") {
  Restore restore;
  Conv2D conv(64, {3, 3}, {.seed = 5});
  const Tensor x = Tensor::randn({64, 13, 13, 32}, 6), r = Tensor::randn({64, 11, 11, 64}, 7);
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  const std::vector<Tensor> wino = run(conv, x, r);
  Tensor wino_predict;
  {
    NoGradGuard no_grad;
    wino_predict = conv(x);
  }
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  const std::vector<Tensor> direct = run(conv, x, r);
  NoGradGuard no_grad;
  const Tensor direct_predict = conv(x);
  const char* names[] = {"output", "dx", "dkernel", "dbias"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(std::string(names[i]) << ": max |difference| " << max_abs(wino[i] - direct[i]) << " of max " << max_abs(direct[i]));
    CHECK(max_abs(wino[i] - direct[i]) <= kRel * max_abs(direct[i]));
  }
  CHECK(allclose(wino_predict, direct_predict, kTol, kTol));
  CHECK(allclose(wino_predict, wino[0], kTol, kTol));
  if (kernels::winograd_available())  // Winograd really ran: not the same bits
    CHECK_FALSE(allclose(wino[2], direct[2], 0.0, 0.0));
}

// The loss sum(conv(x) * r) is linear in x and in the kernel, so a central difference along any
// direction d equals <gradient, d> up to float rounding, whatever the step: a check of every
// element at once, in double sums over float32 outputs.
TEST_CASE("Winograd Conv2D's gradients match finite differences") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  // 64 channels and filters: Winograd in every pass on AVX-512, under both makers' rules
  Conv2D conv(64, {3, 3}, {.padding = Padding::same, .seed = 11});
  const Tensor x = Tensor::randn({64, 14, 14, 64}, 12), r = Tensor::randn({64, 14, 14, 64}, 13);
  for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights})
    CHECK((amd(geometry(64, 64, 64, 14, true), pass) && intel(geometry(64, 64, 64, 14, true), pass)));
  const std::vector<Tensor> g = run(conv, x, r);
  auto loss = [&](const Tensor& xi) {
    NoGradGuard no_grad;
    auto y = conv(xi).to_vector<double>(), rv = r.to_vector<double>();
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * rv[i];
    return s;
  };
  auto dot = [](const Tensor& a, const Tensor& b) {
    auto va = a.to_vector<double>(), vb = b.to_vector<double>();
    double s = 0;
    for (std::size_t i = 0; i < va.size(); ++i) s += va[i] * vb[i];
    return s;
  };
  const double eps = 0.5;  // exact in exact arithmetic (linear); large against float rounding
  const Tensor dir_x = Tensor::randn(x.shape(), 14);
  const double numeric_x = (loss(x + dir_x * eps) - loss(x - dir_x * eps)) / (2 * eps);
  CHECK(numeric_x == doctest::Approx(dot(g[1], dir_x)).epsilon(1e-3));
  const Tensor k0 = conv.weights()[0].detach() * 1.0, b0 = conv.weights()[1].detach() * 1.0;
  const Tensor dir_k = Tensor::randn(k0.shape(), 15) * 0.05;
  conv.set_weights({k0 + dir_k * eps, b0});
  const double up = loss(x);
  conv.set_weights({k0 - dir_k * eps, b0});
  const double down = loss(x);
  CHECK((up - down) / (2 * eps) == doctest::Approx(dot(g[2], dir_k)).epsilon(1e-3));
}

// Winograd with the fused ReLU and the kept blocked kernel (BlockedKernel: Winograd's weight
// layouts, one per pass) through training steps: outputs match the direct algorithm, and
// predict after the steps equals a fresh model given the trained weights.
TEST_CASE("Winograd's fused ReLU and kept kernel follow training steps") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  struct Net {
    Conv2D conv{64, {3, 3}, {.activation = Activation::relu, .seed = 21}};
    Dense dense{3, {.seed = 22}};
    Model model;
    Net() : model(make()) {
      model.compile({.optimizer = SGD({.learning_rate = 0.01}), .loss = MeanSquaredError()});
    }
    Model make() {
      auto in = Input({13, 13, 32});
      return Model(in, dense(Flatten()(conv(in))));
    }
  };
  const Tensor x = Tensor::randn({64, 13, 13, 32}, 23), y = Tensor::randn({64, 3}, 24);
  Net n;
  const Tensor before = n.model.predict(x);  // the inference plan keeps its kernel from here
  n.model.fit({x}, y, {.epochs = 2, .batch_size = 64, .verbose = 0});
  const Tensor after = n.model.predict(x);
  CHECK_FALSE(allclose(after, before, 1e-4, 1e-4));
  Net fresh;
  const std::vector<Tensor> c = n.conv.weights(), d = n.dense.weights();
  fresh.conv.set_weights({c[0], c[1]});
  fresh.dense.set_weights({d[0], d[1]});
  CHECK(allclose(fresh.model.predict(x), after, 0.0, 0.0));
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  CHECK(allclose(n.model.predict(x), after, kTol, kTol));
}

TEST_CASE("Winograd Conv2D is bitwise deterministic at 1 and 2 threads") {
  Restore restore;
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  const Tensor x = Tensor::randn({64, 13, 13, 32}, 31), r = Tensor::randn({64, 11, 11, 64}, 32);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    set_num_threads(threads);
    Conv2D a(64, {3, 3}, {.seed = 33}), b(64, {3, 3}, {.seed = 33});
    const std::vector<Tensor> first = run(a, x, r);
    CHECK(bitwise_equal(first, run(b, x, r)));  // another layer, its own plan
    CHECK(bitwise_equal(first, run(a, x, r)));  // the same plan again
  }
}

TEST_CASE("set_convolution_algorithm refuses a value outside its enum") {
  Restore restore;
  ContractError e = testing::capture(
      [] { set_convolution_algorithm(static_cast<ConvolutionAlgorithm>(7)); });
  CHECK(e.code() == "options.invalid");
  CHECK(testing::mentions(e, "ConvolutionAlgorithm(7)"));
  CHECK(testing::mentions(e, "ConvolutionAlgorithm::direct"));
  CHECK(convolution_algorithm() == restore.algorithm);  // unchanged
}

TEST_CASE("TENET_CONVOLUTION_ALGORITHM names the algorithm, and refuses other values") {
  const char* saved = std::getenv("TENET_CONVOLUTION_ALGORITHM");
  const std::string before = saved ? saved : "";
  ::setenv("TENET_CONVOLUTION_ALGORITHM", "direct", 1);
  CHECK(kernels::convolution_algorithm_from_environment() == ConvolutionAlgorithm::direct);
  ::setenv("TENET_CONVOLUTION_ALGORITHM", "automatic", 1);
  CHECK(kernels::convolution_algorithm_from_environment() == ConvolutionAlgorithm::automatic);
  ::setenv("TENET_CONVOLUTION_ALGORITHM", "winograd", 1);
  ContractError e = testing::capture([] { kernels::convolution_algorithm_from_environment(); });
  CHECK(e.code() == "options.invalid");
  CHECK(testing::mentions(e, "TENET_CONVOLUTION_ALGORITHM"));
  CHECK(testing::mentions(e, "winograd"));
  CHECK(testing::mentions(e, "\"automatic\" or \"direct\""));
  ::unsetenv("TENET_CONVOLUTION_ALGORITHM");
  CHECK(kernels::convolution_algorithm_from_environment() == ConvolutionAlgorithm::automatic);
  if (saved) ::setenv("TENET_CONVOLUTION_ALGORITHM", before.c_str(), 1);
}

}  // TEST_SUITE
