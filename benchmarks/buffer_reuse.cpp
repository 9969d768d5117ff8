// buffer_reuse: does a oneDNN primitive run slower when its output goes to another buffer each
// call? The measurement behind tenet's storage replay (StepAllocations, core/tensor/storage.hpp):
// a Model step's k-th tensor takes the block the previous step's k-th took, as in the raw-oneDNN
// reference, where each tensor has one fixed buffer. oneDNN only, no tenet code.
//
// The primitive: nets A and B's second convolution, forward_training (64 images 32 x 13 x 13 ->
// 64 x 11 x 11, 3x3 valid, bias, nChw16c), Winograd and direct. Rounds alternate: the output in
// one fixed buffer, then in K buffers in turn (K = 6, the blocks of that size a training step of
// net B cycles through). Before each call the input is rewritten, as the pooling before it does.
// Prints the median milliseconds of each and rotating / fixed, with the CPU model.
//
// Usage: OMP_NUM_THREADS=1 buffer_reuse [ROUNDS=5] [K=6]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "cpu_model.hpp"

using namespace dnnl;
using tag = memory::format_tag;

namespace {

using tenet_bench::cpu_model;

float* buffer(std::size_t bytes) {
  auto* p = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  if (!p) std::exit(1);
  for (std::size_t i = 0; i < bytes / sizeof(float); ++i)
    p[i] = static_cast<float>(i % 2001) / 1000.0f - 1.0f;  // in [-1, 1]: no denormals
  return p;
}

struct Conv {
  engine eng{engine::kind::cpu, 0};
  stream strm{eng};
  memory::desc src{{64, 32, 13, 13}, memory::data_type::f32, tag::aBcd16b};
  memory::desc wei{{64, 32, 3, 3}, memory::data_type::f32, tag::ABcd16b16a};
  memory::desc bias{{64}, memory::data_type::f32, tag::a};
  memory::desc dst{{64, 64, 11, 11}, memory::data_type::f32, tag::aBcd16b};
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  float *x, *w, *b;
  void* scratch;
  std::vector<float*> outputs;

  Conv(algorithm alg, int k) {
    primitive_attr attr;
    attr.set_scratchpad_mode(scratchpad_mode::user);
    pd = {{prop_kind::forward_training, alg, src, wei, bias, dst, {1, 1}, {0, 0}, {0, 0}},
          attr, eng};
    prim = convolution_forward(pd);
    x = buffer(src.get_size()), w = buffer(wei.get_size()), b = buffer(bias.get_size());
    scratch = buffer(pd.scratchpad_desc().get_size());
    for (int i = 0; i < k; ++i) outputs.push_back(buffer(dst.get_size()));
  }
  // Median milliseconds of `calls` calls writing output buffer (call % used).
  double median_ms(int calls, int used) {
    std::vector<double> t;
    for (int i = 0; i < calls; ++i) {
      for (std::size_t j = 0; j < src.get_size() / sizeof(float); ++j) x[j] = x[j] * 0.5f + 0.25f;
      auto t0 = std::chrono::steady_clock::now();
      prim.execute(strm, {{DNNL_ARG_SRC, memory(src, eng, x)},
                          {DNNL_ARG_WEIGHTS, memory(wei, eng, w)},
                          {DNNL_ARG_BIAS, memory(bias, eng, b)},
                          {DNNL_ARG_DST, memory(dst, eng, outputs[i % used])},
                          {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), eng, scratch)}});
      strm.wait();
      const auto took = std::chrono::steady_clock::now() - t0;
      t.push_back(std::chrono::duration<double, std::milli>(took).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5, k = argc > 2 ? std::atoi(argv[2]) : 6;
  if (rounds < 1 || k < 2) {
    std::fprintf(stderr, "usage: buffer_reuse [ROUNDS >= 1] [K >= 2]\n");
    return 2;
  }
  const char* threads = std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "unset";
  for (algorithm alg : {algorithm::convolution_winograd, algorithm::convolution_direct}) {
    Conv conv(alg, k);
    conv.median_ms(50, k);  // warm-up: every buffer touched
    for (int r = 0; r < rounds; ++r) {
      const double fixed = conv.median_ms(250, 1), rotating = conv.median_ms(250, k);
      std::printf("%s forward, 64x32x13x13 -> 64: fixed output %.3f ms, %d outputs in turn %.3f "
                  "ms, ratio %.3f  [%s, OMP_NUM_THREADS=%s]\n",
                  alg == algorithm::convolution_winograd ? "Winograd" : "direct", fixed, k,
                  rotating, rotating / fixed, cpu_model().c_str(), threads);
    }
  }
  return 0;
}
