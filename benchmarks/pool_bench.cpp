// Why MaxPool2D runs on tenet's own kernels (core/kernels/pooling.cpp): one training step's
// max pooling (forward keeping the argmax, backward) timed against oneDNN 2.6's pooling
// primitives on the same blocked layout (nChw16c, what the convolutions before hand over),
// alternating in one run, median of 101 repetitions, at 1 and 2 threads. The "+ ReLU
// backward" rows add the pass
// that a Conv2D(relu) -> MaxPool2D pair saves in a Model: oneDNN needs its eltwise backward
// after the pooling backward; tenet's pool masks the gradient itself. The results are
// compared too: forward values and gradients must be equal, element for element. tenet's loops
// run twice: built for plain x86-64, and with their AVX-512 rows (when the CPU has them).
//
//   pool_bench     prints ms per step for both and the ratio tenet / oneDNN (lower is faster)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/kernels/pooling.hpp"

namespace {

using namespace dnnl;
using tag = memory::format_tag;
namespace tk = tenet::kernels;

struct Shape {
  const char* name;
  long n, c, h, w;
};

double median_ms(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2] * 1e3;
}

double seconds(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Times both steps at 1 and 2 threads, with and without the ReLU backward, and prints one row
// each; returns the number of cases whose results differ.
int compare_steps(const char* name, const std::function<void(bool)>& dnnl_step,
                  const std::function<void(bool)>& tenet_step,
                  const std::function<bool(bool)>& same_results) {
  int mismatches = 0;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (bool relu : {false, true}) {
      dnnl_step(relu);  // warm-up, and the results to compare
      tenet_step(relu);
      const bool same = same_results(relu);
      if (!same) ++mismatches;
      std::vector<double> td, tt;
      for (int r = 0; r < 101; ++r) {
        td.push_back(seconds([&] { dnnl_step(relu); }));
        tt.push_back(seconds([&] { tenet_step(relu); }));
      }
      const double a = median_ms(td), b = median_ms(tt);
      std::printf("%-16s %7d %-18s %11.3f %11.3f %7.2f%s\n", name, threads,
                  relu ? "pool + ReLU bwd" : "pool fwd + bwd", a, b, b / a,
                  same ? "" : "  RESULTS DIFFER");
    }
  }
  return mismatches;
}

// oneDNN's pooling (and ReLU backward) against tenet's loops on one shape, in nChw16c.
int bench_shape(const Shape& sh, engine& eng, stream& s, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const long oh = sh.h / 2, ow = sh.w / 2;
  memory::desc xd({sh.n, sh.c, sh.h, sh.w}, memory::data_type::f32, tag::aBcd16b);
  memory::desc yd({sh.n, sh.c, oh, ow}, memory::data_type::f32, tag::aBcd16b);
  pooling_forward::primitive_desc fpd({prop_kind::forward_training, algorithm::pooling_max, xd,
                                       yd, {2, 2}, {2, 2}, {0, 0}, {0, 0}},
                                      eng);
  pooling_backward::primitive_desc bpd(
      {algorithm::pooling_max, xd, yd, {2, 2}, {2, 2}, {0, 0}, {0, 0}}, eng, fpd);
  eltwise_forward::primitive_desc hint(
      {prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, xd, 0.0f}, eng);
  eltwise_backward::primitive_desc rpd({algorithm::eltwise_relu_use_dst_for_bwd, xd, xd, 0.0f},
                                       eng, hint);
  pooling_forward pool_fwd(fpd);
  pooling_backward pool_bwd(bpd);
  eltwise_backward relu_bwd(rpd);
  memory x(xd, eng), y(yd, eng), ws(fpd.workspace_desc(), eng), dy(yd, eng), dx(xd, eng),
      dpre(xd, eng);
  const std::size_t nx = xd.get_size() / 4, ny = yd.get_size() / 4;
  // A ReLU's output (a quarter zeros) and a random incoming gradient.
  auto* px = static_cast<float*>(x.get_data_handle());
  for (std::size_t i = 0; i < nx; ++i) px[i] = std::max(0.0f, u(rng) + 0.5f);
  auto* pdy = static_cast<float*>(dy.get_data_handle());
  for (std::size_t i = 0; i < ny; ++i) pdy[i] = u(rng);
  std::vector<float> ty(ny), tdx(nx), tdpre(nx);
  std::vector<std::uint8_t> argmax(ny);
  const tk::LaneBlocks xb = *tk::lane_blocks(xd), yb = *tk::lane_blocks(yd);
  const tk::PoolWindow win{2, 2, 2, 2, 0, 0};

  auto dnnl_step = [&](bool relu) {
    pool_fwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, ws}});
    pool_bwd.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WORKSPACE, ws}, {DNNL_ARG_DIFF_SRC, dx}});
    if (relu)
      relu_bwd.execute(s, {{DNNL_ARG_DIFF_DST, dx}, {DNNL_ARG_DST, x}, {DNNL_ARG_DIFF_SRC, dpre}});
    s.wait();
  };
  auto tenet_step = [&](bool relu) {
    tk::max_pool_forward(px, xb, ty.data(), yb, argmax.data(), win, relu);
    tk::max_pool_backward(pdy, yb, argmax.data(), relu ? tdpre.data() : tdx.data(), xb, win);
  };
  // == on every element (oneDNN's ReLU backward may write -0 where tenet writes 0)
  auto equal = [](const std::vector<float>& a, const memory& b) {
    return std::equal(a.begin(), a.end(), static_cast<const float*>(b.get_data_handle()));
  };
  return compare_steps(sh.name, dnnl_step, tenet_step, [&](bool relu) {
    return equal(ty, y) && (relu ? equal(tdpre, dpre) : equal(tdx, dx));
  });
}

}  // namespace

int main() {
  const Shape shapes[] = {{"net A/B pool 1", 64, 32, 26, 26},
                          {"net A/B pool 2", 64, 64, 11, 11},
                          {"net C pool 1", 64, 16, 28, 28},
                          {"net C pool 2", 64, 32, 14, 14}};
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::mt19937 rng(3);
  int mismatches = 0;
  std::printf("%-16s %7s %-18s %11s %11s %7s\n", "shape (batch 64)", "threads", "step",
              "oneDNN ms", "tenet ms", "ratio");
  // tenet's 2x2 rows both ways: built for plain x86-64 (SSE2), and with AVX-512 intrinsics
  // where the CPU has them (what MaxPool2D runs then).
  for (bool avx512 : {false, true}) {
    if (tk::use_avx512_rows(avx512) != avx512) continue;
    std::printf("tenet's rows: %s\n", avx512 ? "AVX-512" : "plain x86-64 (SSE2)");
    for (const Shape& sh : shapes) mismatches += bench_shape(sh, eng, s, rng);
  }
  if (mismatches) std::printf("%d cases gave different results\n", mismatches);
  return mismatches ? 1 : 0;
}
