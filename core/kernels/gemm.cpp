#include "core/kernels/gemm.hpp"

#include <string>

#include "core/kernels/context.hpp"
#include "core/kernels/memory.hpp"

namespace tenet::kernels {

void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
           const float* b, float* c, float beta) {
  if (m == 0 || n == 0) return;
  FloatModeScope float_mode;
  if (k == 0) {
    for (std::int64_t i = 0; i < m * n; ++i) c[i] = beta == 0.0f ? 0.0f : c[i] * beta;
    return;
  }
  dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, ta ? m : k, b,
                                tb ? k : n, beta, c, n);
  if (st != dnnl_success)
    internal_error("oneDNN sgemm failed for (" + std::to_string(m) + ", " + std::to_string(k) +
                   ") x (" + std::to_string(k) + ", " + std::to_string(n) + ")");
}

}  // namespace tenet::kernels
