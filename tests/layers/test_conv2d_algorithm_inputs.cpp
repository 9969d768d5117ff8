// Suite "layers": hostile inputs to Conv2D's convolution algorithms (core/kernels/conv_rule.cpp):
// TENET_CONVOLUTION_ALGORITHM's values, geometries at the rule's edges (Winograd against
// direct), NaN and Inf, predict / fit / predict on one shape, a Conv2D shared by two models,
// and weights files written under one algorithm and read under the other.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/base/text_escape.hpp"
#include "core/kernels/conv.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using kernels::ConvPass;

namespace {

constexpr double kRel = 2e-5;  // Winograd against direct, of the largest magnitude (as winograd test)

struct RestoreAlgorithm {
  ConvolutionAlgorithm algorithm = convolution_algorithm();
  ~RestoreAlgorithm() { set_convolution_algorithm(algorithm); }
};

// Sets TENET_CONVOLUTION_ALGORITHM for one scope.
struct EnvValue {
  const char* saved = std::getenv("TENET_CONVOLUTION_ALGORITHM");
  std::string before = saved ? saved : "";
  explicit EnvValue(const std::string& v) { ::setenv("TENET_CONVOLUTION_ALGORITHM", v.c_str(), 1); }
  ~EnvValue() {
    if (saved) ::setenv("TENET_CONVOLUTION_ALGORITHM", before.c_str(), 1);
    else ::unsetenv("TENET_CONVOLUTION_ALGORITHM");
  }
};

ContractError refused(const std::string& value) {
  EnvValue env(value);
  return testing::capture([] { kernels::convolution_algorithm_from_environment(); });
}

// This process's address space now, in bytes (/proc/self/status, VmSize).
std::size_t address_space() {
  std::ifstream status("/proc/self/status");
  std::string key;
  std::size_t kb = 0;
  while (status >> key)
    if (key == "VmSize:" && status >> kb) break;
  return kb * 1024;
}

// Runs `f` with at most `headroom` more bytes of address space (RLIMIT_AS), then lifts it.
template <class F>
void with_headroom(std::size_t headroom, F&& f) {
  rlimit before{};
  getrlimit(RLIMIT_AS, &before);
  rlimit tight = before;
  tight.rlim_cur = address_space() + headroom;
  setrlimit(RLIMIT_AS, &tight);
  try {
    f();
  } catch (...) {
    setrlimit(RLIMIT_AS, &before);
    throw;
  }
  setrlimit(RLIMIT_AS, &before);
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

// y, dx, dkernel of a Conv2D on x under `alg`, and predict's output.
std::vector<Tensor> run(Conv2D& conv, const Tensor& x0, ConvolutionAlgorithm alg) {
  set_convolution_algorithm(alg);
  Tensor x = x0.detach().requires_grad(true);
  for (Tensor w : conv.weights()) w.zero_grad();
  Tensor y = conv(x);
  (y * y).sum().backward();
  Tensor predicted;
  {
    NoGradGuard no_grad;
    predicted = conv(x0);
  }
  return {y.detach(), x.grad(), conv.weights()[0].grad(), predicted};
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("TENET_CONVOLUTION_ALGORITHM: empty is automatic; other spellings refused, quoted safely") {
  {
    EnvValue env("");
    CHECK(kernels::convolution_algorithm_from_environment() == ConvolutionAlgorithm::automatic);
  }
  for (const char* v : {"DIRECT", " direct", "direct\n"}) {
    INFO(v);
    ContractError e = refused(v);
    CHECK(e.code() == "options.invalid");
    CHECK(testing::mentions(e, text::quoted(v)));
    CHECK(testing::mentions(e, "unset it or set it to automatic"));
  }
  // Defect (fixed): the value went into the message raw, three times: 30 MB for a 10 MB value,
  // a line break or an escape sequence printed as is, bytes that are not UTF-8 kept.
  ContractError big = refused(std::string(10'000'000, 'a'));
  CHECK(std::string(big.what()).size() < 4000);
  CHECK(testing::mentions(big, "(10000000 characters)"));
  ContractError forged = refused("x\n[tenet] fixed\x1B[2J");
  CHECK(std::string(forged.what()).find("x\n[tenet]") == std::string::npos);
  CHECK(testing::mentions(forged, "\"x\\n[tenet] fixed\\x1B[2J\""));
  ContractError bytes = refused("\xFF\xFE direct");
  const std::string message = bytes.what();
  CHECK(text::valid_utf8(message) == message);
  CHECK(testing::mentions(bytes, "\xEF\xBF\xBD\xEF\xBF\xBD direct"));
}

TEST_CASE("TENET_CONVOLUTION_ALGORITHM set after the first read changes nothing (read once)") {
  RestoreAlgorithm restore;
  const ConvolutionAlgorithm now = convolution_algorithm();  // read (or set) by now
  EnvValue env(now == ConvolutionAlgorithm::direct ? "automatic" : "direct");
  CHECK(convolution_algorithm() == now);
  EnvValue bad("winograd");
  CHECK(convolution_algorithm() == now);  // no error either: the variable is not read again
}

TEST_CASE("Winograd against direct at the rule's edges: channels 15-17, batch 1-16, 7-28 pixels") {
  RestoreAlgorithm restore;
  for (std::int64_t c : {15, 16, 17})
    for (std::int64_t n : {1, 15, 16})
      for (std::int64_t h : {7, 14, 28})
        for (Padding pad : {Padding::same, Padding::valid}) {
          INFO("C = O = " << c << ", N = " << n << ", " << h << "x" << h << (pad == Padding::same ? " same" : " valid"));
          Conv2D conv{c, {3, 3}, {.padding = pad, .seed = 4}};
          const Tensor x = Tensor::randn({n, h, h, c}, 11);
          const std::vector<Tensor> w = run(conv, x, ConvolutionAlgorithm::automatic);
          const std::vector<Tensor> d = run(conv, x, ConvolutionAlgorithm::direct);
          for (std::size_t i = 0; i < w.size(); ++i)
            CHECK(max_abs(w[i] - d[i]) <= kRel * max_abs(d[i]));
        }
}

// Held, and documented (docs/performance.md): Winograd computes a 4x4 tile of outputs from a
// 6x6 tile of input at once, so a NaN or Inf in the input makes every output of the tiles it
// falls in non-finite: a superset of direct's 3x3 neighbourhood. In the kernel: the filter's
// outputs where the tap reads 'same' padding too (direct skips padding, Winograd multiplies it).
TEST_CASE("NaN and Inf under Winograd: direct's non-finite outputs and the rest of their tiles") {
  RestoreAlgorithm restore;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {nan, inf})
    for (bool in_kernel : {false, true}) {
      std::vector<float> values = Tensor::randn({16, 14, 14, 32}, 12).to_vector<float>();
      if (!in_kernel) values[5 * 32 * 14 + 7 * 32 + 3] = bad;  // image 0, row 5, column 7, channel 3
      const Tensor x = Tensor::from_vector(values, {16, 14, 14, 32});
      Conv2D conv{32, {3, 3}, {.padding = Padding::same, .seed = 4}};
      conv(x);  // built
      std::vector<float> k = conv.weights()[0].to_vector<float>();
      if (in_kernel) k[(1 * 3 + 2) * 32 * 32 + 3 * 32 + 9] = bad;  // tap (1, 2), channel 3, filter 9
      conv.set_weights({Tensor::from_vector(k, {3, 3, 32, 32}), conv.weights()[1]});
      NoGradGuard no_grad;
      set_convolution_algorithm(ConvolutionAlgorithm::direct);
      const std::vector<float> d = conv(x).to_vector<float>();
      set_convolution_algorithm(ConvolutionAlgorithm::automatic);
      const std::vector<float> w = conv(x).to_vector<float>();
      std::size_t missed = 0, extra = 0, not_finite = 0;
      for (std::size_t i = 0; i < d.size(); ++i) {
        missed += !std::isfinite(d[i]) && std::isfinite(w[i]);
        extra += std::isfinite(d[i]) && !std::isfinite(w[i]);
        not_finite += !std::isfinite(d[i]);
      }
      const std::string where = in_kernel ? " in the kernel: " : " in the input: ";
      INFO("value " << bad << where << not_finite
                    << " outputs not finite (direct), " << extra << " more under Winograd");
      // Kernel: filter 9 everywhere but the last column, where tap (1, 2) reads 'same' padding,
      // which direct skips and Winograd multiplies (0 x NaN); input: 3x3 neighbours, 32 filters.
      CHECK(not_finite == (in_kernel ? 16u * 14 * 13 : 9u * 32));
      CHECK(missed == 0);
      CHECK(extra <= (in_kernel ? 16u * 14 : (2u * 4 * 2 * 4 - 9) * 32));  // <= 2x2 tiles of 4x4
    }
}

// Predict of 2 to 15 images from 11x11-13x13 outputs (the clause of 2026-12-07, Winograd's
// jit_wino_4x3, or its 2x3 kernel for 2 images on two threads): a NaN or Inf in one image makes
// non-finite every output direct does, more only within its tiles, and none in another image.
TEST_CASE("NaN and Inf in one image of a 2-15 image predict stay in that image's tiles") {
  RestoreAlgorithm restore;
  const int threads_before = adaptive_threads() ? 0 : num_threads();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (int threads : {1, 2})
    for (std::int64_t n : {2, 4, 15})
      for (float bad : {nan, inf}) {
        set_num_threads(threads);
        std::vector<float> values = Tensor::randn({n, 13, 13, 32}, 12).to_vector<float>();
        values[(5 * 13 + 7) * 32 + 3] = bad;  // image 0, row 5, column 7, channel 3
        const Tensor x = Tensor::from_vector(values, {n, 13, 13, 32});
        Conv2D conv{64, {3, 3}, {.seed = 4}};  // 'valid': 11x11 outputs
        NoGradGuard no_grad;
        set_convolution_algorithm(ConvolutionAlgorithm::direct);
        const std::vector<float> d = conv(x).to_vector<float>();
        set_convolution_algorithm(ConvolutionAlgorithm::automatic);
        const std::vector<float> w = conv(x).to_vector<float>();
        const std::size_t image = d.size() / static_cast<std::size_t>(n);
        std::size_t missed = 0, extra = 0, elsewhere = 0;
        for (std::size_t i = 0; i < d.size(); ++i) {
          missed += !std::isfinite(d[i]) && std::isfinite(w[i]);
          extra += std::isfinite(d[i]) && !std::isfinite(w[i]);
          elsewhere += i >= image && !std::isfinite(w[i]);
        }
        INFO(threads << " threads, " << n << " images, " << bad << ": " << extra << " more than direct");
        CHECK(missed == 0);
        CHECK(elsewhere == 0);
        CHECK(extra <= (2u * 4 * 2 * 4 - 9) * 64);  // <= 2x2 tiles of 4x4
      }
  set_num_threads(threads_before);
}

// Held, documented (docs/performance.md): predict's Winograd kernel keeps the kernel transformed
// to 6x6 tiles, 4x the kernel (1024 channels and filters: 144 MiB against 36 MiB). When that
// memory is not there: a tenet::Error "out of memory" naming the bytes and the layer, never an
// InternalError; direct still runs under the same limit.
TEST_CASE("Winograd's large transformed kernel out of memory: a tenet::Error, direct still runs") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return;  // the sanitizers reserve address space of their own: RLIMIT_AS cannot tell
#endif
  if (!kernels::winograd_available()) return;
  RestoreAlgorithm restore;
  Conv2D conv{1024, {3, 3}, {.padding = Padding::same, .seed = 4}};
  const Tensor x = Tensor::randn({16, 14, 14, 1024}, 11);
  NoGradGuard no_grad;
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  const Tensor direct = conv(x);  // made and run before the limit: the direct plan fits
  set_convolution_algorithm(ConvolutionAlgorithm::automatic);
  std::string message;
  bool internal = false;
  with_headroom(100u << 20, [&] {
    try {
      conv(x);
    } catch (const InternalError& e) {
      internal = true;
    } catch (const Error& e) {
      message = e.what();
    }
  });
  CHECK_FALSE(internal);
  INFO(message);
  CHECK(message.find("out of memory") != std::string::npos);
  CHECK(message.find("144.0 MiB") != std::string::npos);
  CHECK(message.find("(Conv2D) created at test_conv2d_algorithm_inputs.cpp") != std::string::npos);
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  with_headroom(100u << 20, [&] { CHECK(allclose(conv(x), direct, 0.0, 0.0)); });
}

}  // TEST_SUITE
