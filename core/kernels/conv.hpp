#pragma once
// 2-D convolution of channels-last images on oneDNN primitives, in tenet's terms. Users see
// x (N, H, W, C), kernel (KH, KW, C, O) (Keras's layout, oneDNN's hwio), bias (O,) and
// y (N, OH, OW, O). Between oneDNN layers x and y lie in the layout the primitives prefer
// (nChw16c on this machine, see StorageLayout); x is reordered only when it arrives in another.
// Backward primitives are built with the forward one as hint.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/base/runtime.hpp>
#include "core/kernels/plan_cache.hpp"
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

struct ConvGeometry {
  Shape input;                                   // (N, H, W, C), all known
  std::int64_t filters = 0;                      // O
  std::array<std::int64_t, 2> kernel{1, 1};      // (KH, KW)
  std::array<std::int64_t, 2> strides{1, 1};
  std::array<std::int64_t, 2> dilation{1, 1};    // Keras's: 1 is none
  std::array<std::int64_t, 2> pad_before{0, 0};  // (top, left)
  std::array<std::int64_t, 2> pad_after{0, 0};   // (bottom, right)
  std::array<std::int64_t, 2> output{0, 0};      // (OH, OW), from the layer's padding rule
  bool bias = true;
  bool relu = false;  // a ReLU fused as the convolution's post-op
  bool training = true;  // false: a forward without gradient (predict, evaluate) only
};

// The passes of a convolution: a training step's forward, backward-data and backward-weights,
// and the forward without gradient (oneDNN's forward_inference).
enum class ConvPass { forward, backward_data, backward_weights, inference };

// True when the rule (conv_rule.cpp, docs/performance.md "Convolution algorithms") runs `pass`
// of `g` with Winograd's algorithm. It reads the geometry and the CPU's maker alone (not even
// the thread count), never a timing, so on one machine a given input shape always gets the same
// algorithm, and a given shape and thread count the same bits.
// set_convolution_algorithm(direct) makes it false everywhere. A plan falls back to direct when
// oneDNN cannot make the Winograd primitive (CPUs without AVX-512).
bool winograd_chosen(const ConvGeometry& g, ConvPass pass);
// The same under `algorithm`, read once by the caller (a plan reads it once for all its passes).
bool winograd_chosen(const ConvGeometry& g, ConvPass pass, ConvolutionAlgorithm algorithm);
// TENET_CONVOLUTION_ALGORITHM's value ("automatic", "direct"; unset or empty: automatic),
// read by convolution_algorithm() once unless set_convolution_algorithm came first; any other
// value raises options.invalid (at the first Conv2D call).
ConvolutionAlgorithm convolution_algorithm_from_environment();

// True when oneDNN has Winograd kernels on this CPU as it runs (AVX-512 core and above; not
// under ONEDNN_MAX_CPU_ISA=AVX2): elsewhere every plan falls back to direct. For tests.
bool winograd_available();

// The maker of the CPU tenet runs on (cpuid's vendor string, read once): the rule's boundaries
// were measured apart on an AMD EPYC and an Intel Xeon, and differ (conv_rule.cpp). Other
// makers take AMD's.
enum class CpuMaker { amd, intel, other };
CpuMaker cpu_maker();

// The rule alone, whatever set_convolution_algorithm says (the benchmarks' Winograd reference),
// for this CPU's maker, or for `maker` (tests check both rules on any machine).
bool winograd_rule(const ConvGeometry& g, ConvPass pass);
bool winograd_rule(const ConvGeometry& g, ConvPass pass, CpuMaker maker);

struct ConvPlan;  // the primitives of one geometry (conv.cpp)
using ConvPlans = PlanCache<ConvPlan>;

// The plan of `g` from `cache`, built on first use.
std::shared_ptr<const ConvPlan> conv_plan(ConvPlans& cache, const ConvGeometry& g);

// The oneDNN implementation `pass` of `p` runs, e.g. "jit_wino_4x3:avx512_core" or
// "jit:avx512_core" (direct); "" for a pass the plan does not have (a training plan has no
// inference pass, an inference plan only that one). For tests and benchmarks.
std::string conv_impl(const ConvPlan& p, ConvPass pass);

// y (N, OH, OW, O) = conv(x, kernel) + bias, then the fused ReLU if the plan has one; y lies in
// the forward primitive's preferred layout. `bias` is undefined when the plan has none.
Tensor conv_forward(const ConvPlan& p, const Tensor& x, const Tensor& kernel, const Tensor& bias);

// {dx, dkernel, dbias} from dout (N, OH, OW, O), x and y, the saved output, each in whatever
// layout it lies; `relu`: go through the fused ReLU's backward first (dout * (y > 0)). dx is
// undefined unless x requires a gradient, dbias unless `bias` is defined; dx lies in
// backward-data's preferred layout.
std::vector<Tensor> conv_backward(const ConvPlan& p, const Tensor& x, const Tensor& y,
                                  const Tensor& kernel, const Tensor& bias, const Tensor& dout,
                                  bool relu);

}  // namespace tenet::kernels
