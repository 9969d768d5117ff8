// Which convolutions run Winograd's algorithm (oneDNN's jit_wino_4x3 for training, its
// forward_inference kernels for predict), and the switch that turns it off. The rule is fixed,
// from the geometry and the CPU's maker alone: measured once per pass on a grid of channels,
// image sizes, batch sizes and thread counts on each maker's CPU (benchmarks/README.md,
// "Winograd convolutions" and the Intel session), never timed at run time, so on one machine a
// given input shape and thread count always runs the same kernels (the same bits).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <oneapi/dnnl/dnnl.hpp>

#include <tenet/core/base/runtime.hpp>
#include "core/base/text_escape.hpp"
#include "core/contracts/checks.hpp"
#include "core/kernels/conv.hpp"

namespace tenet {
namespace {
constexpr int kUnread = -1;  // TENET_CONVOLUTION_ALGORITHM not read yet, nothing set
std::atomic<int> g_convolution_algorithm{kUnread};
}  // namespace

void set_convolution_algorithm(ConvolutionAlgorithm algorithm) {
  const int value = static_cast<int>(algorithm);
  if (algorithm != ConvolutionAlgorithm::automatic && algorithm != ConvolutionAlgorithm::direct)
    checks::invalid_option(
        "set_convolution_algorithm(algorithm)", "ConvolutionAlgorithm(" + std::to_string(value) + ")",
        "ConvolutionAlgorithm::automatic or ConvolutionAlgorithm::direct",
        Site("set_convolution_algorithm", "runtime"), Phase::build,
        "the value is not one of ConvolutionAlgorithm's names (an integer cast to the enum?)",
        "pass ConvolutionAlgorithm::automatic (Winograd where it is faster) or "
        "ConvolutionAlgorithm::direct (every convolution direct)");
  g_convolution_algorithm.store(value, std::memory_order_relaxed);
}

ConvolutionAlgorithm convolution_algorithm() {
  int value = g_convolution_algorithm.load(std::memory_order_relaxed);
  if (value == kUnread) {  // read once; a refused value raises again at the next call
    int unread = kUnread;
    g_convolution_algorithm.compare_exchange_strong(
        unread, static_cast<int>(kernels::convolution_algorithm_from_environment()));
    value = g_convolution_algorithm.load(std::memory_order_relaxed);
  }
  return static_cast<ConvolutionAlgorithm>(value);
}

}  // namespace tenet

namespace tenet::kernels {

ConvolutionAlgorithm convolution_algorithm_from_environment() {
  const char* set = std::getenv("TENET_CONVOLUTION_ALGORITHM");
  const std::string_view value = set ? set : "";
  if (value.empty() || value == "automatic") return ConvolutionAlgorithm::automatic;
  if (value == "direct") return ConvolutionAlgorithm::direct;
  checks::invalid_option(
      "TENET_CONVOLUTION_ALGORITHM", text::quoted(text::valid_utf8(value), 64), "\"automatic\" or \"direct\"",
      Site("TENET_CONVOLUTION_ALGORITHM", "environment variable"), Phase::build,
      "the environment variable names no convolution algorithm tenet knows",
      "unset it or set it to automatic (Winograd where it is faster) or direct (every "
      "convolution direct), e.g. TENET_CONVOLUTION_ALGORITHM=direct ./my_program");
}

// The rule, per pass, on AMD (and CPUs of other makers; Intel: intel_rule below). Grid:
// benchmarks/README.md, "Winograd convolutions"; AMD EPYC, 1 and 2
// threads gave the same boundaries on the grid; off it, where the counts disagree, direct is
// kept: the forward without gradient of one image with 11x11 to 13x13 outputs from 32 channels
// was faster with Winograd on one thread in 25 of 25 cells alone, but only 5 % inside net A
// (44.8 against 47.1 us), and slower on two threads in 12 of 25 cells). `small` = min(C, O),
// `pixels` = OH * OW, batch N:
//   forward, backward-data (training):  small >= 32 and N * pixels >= 1568 (32 images of 7x7),
//                                       or small >= 16, pixels >= 784 (28x28) and N >= 16;
//   backward-weights:                   the same, or small >= 16, max(C, O) >= 32 and
//                                       N * pixels >= 12544 (64 images of 14x14);
//   forward without gradient (predict): small >= 32 and (pixels >= 196 (14x14) or N >= 16, or
//                                       pixels >= 121 (11x11) and N >= 2: 2 to 15 images won
//                                       in 121 of 125 cells on two threads, 125 of 125 on one),
//                                       or small >= 16 and (pixels >= 784, or N = 1 and
//                                       pixels >= 196).
// Outputs one row high run direct (the pixels alone chose Winograd for 1xW outputs), and two rows
// high below 64 channels or filters.
// Below 16 channels or filters Winograd's forward lost in most cells (a first convolution on 1
// channel: 5-30x slower); it won only with 8 filters from 16+ channels on 14x14-28x28 images, left
// direct to keep the rule short.
namespace {
// Predict (forward without gradient) from 32 channels and filters, the same clause on both
// makers' grids: 14x14 outputs or more, 16 images or more, or 2 to 15 images of 11x11 or more.
bool inference_from_32(std::int64_t n, std::int64_t pixels) {
  return pixels >= 196 || n >= 16 || (pixels >= 121 && n >= 2);
}

// The rule on an Intel Xeon, where Winograd gains less against direct than on AMD. Grid of
// benchmarks/README.md, "Winograd on an Intel Xeon" (conv_grid, 1 and 2 threads, buffers filled;
// 2026-12-07 16:20-16:30 UTC): below 32 channels or filters Winograd lost most cells, and
// backward-data from 32 input channels lost on 11x11 outputs (1.21-1.33x direct at two threads,
// 1.11-1.40x at one, batch 16-256) and gained little elsewhere below 28x28. `c` = input
// channels:
//   forward:          N * pixels >= 1568 and max(C, O) >= 64, or pixels >= 784 and N >= 16,
//                     or pixels >= 196 and N * pixels >= 12544;
//   backward-data:    C >= 64 and N * pixels >= 1568, or pixels >= 784 and N >= 16;
//   backward-weights: N >= 64 and (max(C, O) >= 64 and pixels >= 121, or N * pixels >= 50176),
//                     or pixels >= 784, N >= 16 and max(C, O) >= 64;
//   predict:          as on AMD from 32 channels.
bool intel_rule(std::int64_t n, std::int64_t c, std::int64_t small, std::int64_t large,
                std::int64_t pixels, ConvPass pass) {
  if (small < 32) return false;
  switch (pass) {
    case ConvPass::inference:
      return inference_from_32(n, pixels);
    case ConvPass::forward:
      return (n * pixels >= 1568 && large >= 64) || (pixels >= 784 && n >= 16) ||
             (pixels >= 196 && n * pixels >= 12544);
    case ConvPass::backward_data:
      return (c >= 64 && n * pixels >= 1568) || (pixels >= 784 && n >= 16);
    case ConvPass::backward_weights:
      return (n >= 64 && ((large >= 64 && pixels >= 121) || n * pixels >= 50176)) ||
             (pixels >= 784 && n >= 16 && large >= 64);
  }
  return false;
}
}  // namespace

bool winograd_available() {
  using dnnl::cpu_isa;
  const cpu_isa isa = dnnl::get_effective_cpu_isa();
  return isa == cpu_isa::avx512_core || isa == cpu_isa::avx512_core_vnni ||
         isa == cpu_isa::avx512_core_bf16 || isa == cpu_isa::avx512_core_amx;
}

bool winograd_chosen(const ConvGeometry& g, ConvPass pass) {
  return winograd_chosen(g, pass, convolution_algorithm());
}

bool winograd_chosen(const ConvGeometry& g, ConvPass pass, ConvolutionAlgorithm algorithm) {
  return algorithm != ConvolutionAlgorithm::direct && winograd_rule(g, pass);
}

CpuMaker cpu_maker() {
  static const CpuMaker maker = [] {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0, &a, &b, &c, &d) == 0) return CpuMaker::other;
    char vendor[13] = {};
    std::memcpy(vendor, &b, 4);
    std::memcpy(vendor + 4, &d, 4);
    std::memcpy(vendor + 8, &c, 4);
    if (std::strcmp(vendor, "GenuineIntel") == 0) return CpuMaker::intel;
    if (std::strcmp(vendor, "AuthenticAMD") == 0) return CpuMaker::amd;
#endif
    return CpuMaker::other;
  }();
  return maker;
}

bool winograd_rule(const ConvGeometry& g, ConvPass pass) {
  return winograd_rule(g, pass, cpu_maker());
}

bool winograd_rule(const ConvGeometry& g, ConvPass pass, CpuMaker maker) {
  // oneDNN's Winograd kernels take 3x3 windows with stride 1 and no dilation only.
  if (g.kernel != std::array<std::int64_t, 2>{3, 3} ||
      g.strides != std::array<std::int64_t, 2>{1, 1} ||
      g.dilation != std::array<std::int64_t, 2>{1, 1})
    return false;
  const std::int64_t n = g.input[0], small = std::min(g.input[3], g.filters);
  const std::int64_t large = std::max(g.input[3], g.filters);
  const std::int64_t pixels = g.output[0] * g.output[1];
  // One output row: Winograd's tiles are 4 (or 2) rows high, most of the work is waste; 1.2-7x
  // slower than direct in every pass measured. Two rows: half of it; from 64 channels and
  // filters Winograd still won (155 of 164 grid cells), below it was 0.98 of direct at the
  // median and up to 9x slower (docs/performance.md). One column keeps the rule.
  if (small < 16 || g.output[0] < 2 || (g.output[0] == 2 && small < 64)) return false;
  if (maker == CpuMaker::intel) return intel_rule(n, g.input[3], small, large, pixels, pass);
  if (pass == ConvPass::inference)
    return small >= 32 ? inference_from_32(n, pixels) : pixels >= 784 || (n == 1 && pixels >= 196);
  const bool training = (small >= 32 && n * pixels >= 1568) || (pixels >= 784 && n >= 16);
  if (pass == ConvPass::backward_weights) return training || (large >= 32 && n * pixels >= 12544);
  return training;
}

}  // namespace tenet::kernels
