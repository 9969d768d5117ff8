// Which sgemm should tenet call? oneDNN's dnnl_sgemm against OpenBLAS's cblas_sgemm on the
// same row-major float32 problems, 1 and 2 threads, median of several repetitions.
// Backs the choice stated in core/kernels/gemm.hpp (GEMMs go to oneDNN).
//
//   gemm_choice            prints GFLOP/s per library and the ratio oneDNN / OpenBLAS
#include <cblas.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>
#include <vector>

namespace {

struct Problem {
  const char* name;
  long m, n, k;  // C (m, n) = A (m, k) x B (k, n)
  int reps;
};

double median_seconds(const std::function<void()>& f, int reps) {
  // On 2 cores the other library's idle threads still spin for a while after their last
  // call (OpenMP's and OpenBLAS's wait policies) and would halve a 2-thread run: let them
  // fall asleep first.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  f();  // warm-up (thread pool start, packing buffers)
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  std::printf("OpenBLAS core: %s\n", openblas_get_corename());
  const Problem problems[] = {{"2048x2048x2048", 2048, 2048, 2048, 7},
                              {"512x512x512", 512, 512, 512, 31},
                              {"dense 64x3136x128", 64, 128, 3136, 101}};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  int failures = 0;
  for (const auto& p : problems) {
    std::vector<float> a(p.m * p.k), b(p.k * p.n), c1(p.m * p.n), c2(p.m * p.n);  // row-major
    for (auto& v : a) v = u(rng);
    for (auto& v : b) v = u(rng);
    double flops = 2.0 * p.m * p.n * p.k;
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      openblas_set_num_threads(threads);
      double t_dnnl = median_seconds([&] {
        dnnl_sgemm('N', 'N', p.m, p.n, p.k, 1.0f, a.data(), p.k, b.data(), p.n, 0.0f,
                   c1.data(), p.n);
      }, p.reps);
      double t_blas = median_seconds([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p.m, p.n, p.k, 1.0f, a.data(),
                    p.k, b.data(), p.n, 0.0f, c2.data(), p.n);
      }, p.reps);
      double diff = 0.0;
      for (std::size_t i = 0; i < c1.size(); ++i)
        diff = std::max(diff, double(std::fabs(c1[i] - c2[i])));
      bool agree = diff <= 1e-3 * std::sqrt(double(p.k));
      failures += !agree;
      std::printf("%-18s threads %d  oneDNN %7.1f GFLOP/s  OpenBLAS %7.1f GFLOP/s  "
                  "ratio oneDNN/OpenBLAS %.2f  (median of %d, max |diff| %.1e%s)\n",
                  p.name, threads, flops / t_dnnl * 1e-9, flops / t_blas * 1e-9,
                  t_blas / t_dnnl, p.reps, diff, agree ? "" : " DISAGREE");
    }
  }
  return failures ? 1 : 0;
}
