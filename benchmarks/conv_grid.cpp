// conv_grid: oneDNN 2.6's direct and Winograd convolutions, pass by pass, on a grid of 3x3
// geometries (stride 1, same padding): the measurement behind tenet's rule for choosing
// Winograd (core/kernels/conv_rule.cpp, benchmarks/README.md "Winograd convolutions").
// oneDNN only, no tenet code. Each line: median microseconds direct / Winograd and their ratio
// (below 1: Winograd faster) for forward_training, backward-data, backward-weights and
// forward_inference; -1 where oneDNN has no Winograd kernel. The forward_inference ratio is
// against the faster direct forward, forward_inference's or forward_training's (tenet's direct
// forward without gradient runs forward_training's kernel, core/kernels/conv.cpp), printed as
// "inf DIRECT_INFERENCE DIRECT_TRAINING WINOGRAD RATIO".
//
// Usage: OMP_NUM_THREADS=1 conv_grid               (the grid: batch 1, 16, 64, 256; channels
//                                                  1-64; images 7, 14, 28)
//        OMP_NUM_THREADS=2 conv_grid 64 32 64 13 0 (one geometry: batch, in, out, size, pad)
//        OMP_NUM_THREADS=2 conv_grid 4 64 64 3 0 123 (the same, HEIGHT x WIDTH images)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;

namespace {

engine eng(engine::kind::cpu, 0);
stream strm(eng);

// Median microseconds of f, after one warm-up call: at least 5 calls, then up to 0.15 s.
double median_us(const std::function<void()>& f) {
  std::vector<double> t;
  double total = 0;
  f();
  for (int i = 0; i < 200 && (i < 5 || total < 150000); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    total += t.back();
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Runs primitive `pd` on fresh buffers for each of its arguments, filled with values in
// [-1, 1]. Left as malloc gave them, the buffers held whatever bytes were there, denormals
// among them: on an Intel Xeon each denormal operand costs a microcode assist, and Winograd's
// backward-data on 64 images of 26x26 took 39 ms against 5 (AMD EPYC pays no such cost).
double time_pd(const primitive_desc& pd, const std::vector<int>& args) {
  primitive p(pd);
  std::unordered_map<int, memory> m;
  std::uint32_t r = 12345;
  for (int a : args) {
    m[a] = memory(pd.query_md(query::exec_arg_md, a), eng);
    float* f = static_cast<float*>(m[a].get_data_handle());
    for (std::size_t i = 0; i < m[a].get_desc().get_size() / sizeof(float); ++i) {
      r = r * 1664525u + 1013904223u;
      f[i] = static_cast<float>(r >> 8) / static_cast<float>(1u << 23) - 1.0f;
    }
  }
  return median_us([&] { p.execute(strm, m); strm.wait(); });
}

struct Times {
  double t[4] = {-1, -1, -1, -1};  // forward, backward-data, backward-weights, inference
};

Times measure(algorithm alg, const memory::desc& src, const memory::desc& wei,
              const memory::desc& bia, const memory::desc& dst, const memory::dims& pad) {
  Times r;
  const memory::dims st{1, 1};
  try {
    convolution_forward::primitive_desc f(
        {prop_kind::forward_training, alg, src, wei, bia, dst, st, pad, pad}, eng);
    r.t[0] = time_pd(f, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST});
    convolution_backward_data::primitive_desc d({alg, src, wei, dst, st, pad, pad}, eng, f);
    r.t[1] = time_pd(d, {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST});
    convolution_backward_weights::primitive_desc w({alg, src, wei, bia, dst, st, pad, pad}, eng, f);
    r.t[2] = time_pd(w, {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS, DNNL_ARG_DIFF_DST});
  } catch (const dnnl::error&) {
  }
  try {
    convolution_forward::primitive_desc i(
        {prop_kind::forward_inference, alg, src, wei, bia, dst, st, pad, pad}, eng);
    r.t[3] = time_pd(i, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST});
  } catch (const dnnl::error&) {
  }
  return r;
}

void run(int mb, int ic, int oc, int h, int pad, int width) {
  const int oh = h - 2 + 2 * pad, ow = width - 2 + 2 * pad;
  const auto any = memory::format_tag::any;
  const auto f32 = memory::data_type::f32;
  memory::desc src({mb, ic, h, width}, f32, any), wei({oc, ic, 3, 3}, f32, any), bia({oc}, f32, any),
      dst({mb, oc, oh, ow}, f32, any);
  const Times d = measure(algorithm::convolution_direct, src, wei, bia, dst, {pad, pad});
  const Times w = measure(algorithm::convolution_winograd, src, wei, bia, dst, {pad, pad});
  std::printf("mb %3d ic %2d oc %2d h %2d pad %d", mb, ic, oc, h, pad);
  if (width != h) std::printf(" w %d", width);
  const char* names[] = {"fwd", "bwd_d", "bwd_w", "inf"};
  for (int k = 0; k < 3; ++k)
    std::printf(" | %s %8.1f %8.1f %.2f", names[k], d.t[k], w.t[k], w.t[k] > 0 ? w.t[k] / d.t[k] : -1.0);
  const double direct = std::min(d.t[0], d.t[3]);
  std::printf(" | %s %8.1f %8.1f %8.1f %.2f", names[3], d.t[3], d.t[0], w.t[3],
              w.t[3] > 0 ? w.t[3] / direct : -1.0);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 || argc == 7) {
    const int mb = std::atoi(argv[1]), ic = std::atoi(argv[2]), oc = std::atoi(argv[3]);
    const int h = std::atoi(argv[4]), pad = std::atoi(argv[5]);
    const int w = argc == 7 ? std::atoi(argv[6]) : h;
    if (mb < 1 || ic < 1 || oc < 1 || pad < 0 || pad > 1 || std::min(h, w) < 3 - 2 * pad ||
        std::max(h, w) > 4096) {
      std::fprintf(stderr, "conv_grid: batch, channels and filters >= 1, pad 0 or 1, sizes >= 3 - 2 pad\n");
      return 2;
    }
    run(mb, ic, oc, h, pad, w);
    return 0;
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: conv_grid  or  conv_grid BATCH IN OUT SIZE PAD [WIDTH]\n");
    return 2;
  }
  for (int mb : {1, 16, 64, 256})
    for (int ic : {1, 8, 16, 32, 64})
      for (int oc : {8, 16, 32, 64})
        for (int h : {7, 14, 28})
          if (ic != 1 || oc == 16 || oc == 32) run(mb, ic, oc, h, 1, h);
}
