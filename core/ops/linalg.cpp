// Matrix multiplication through oneDNN's sgemm (float32) with its gradient.
#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/op_checks.hpp"
#include "core/kernels/gemm.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

// (M, K) x (K, N) for one matrix pair, any floating dtype.
void gemm_any(const Tensor& a, const Tensor& b, Tensor& c, std::int64_t batch, std::int64_t m,
              std::int64_t k, std::int64_t n) {
  if (a.dtype() == DType::f32) {
    for (std::int64_t i = 0; i < batch; ++i)
      kernels::sgemm(false, false, m, n, k, a.data<float>() + i * m * k,
                     b.data<float>() + i * k * n, c.data<float>() + i * m * n);
    return;
  }
  const double* pa = a.data<double>();
  const double* pb = b.data<double>();
  double* pc = c.data<double>();
  for (std::int64_t t = 0; t < batch; ++t)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::int64_t q = 0; q < k; ++q) s += pa[(t * m + i) * k + q] * pb[(t * k + q) * n + j];
        pc[(t * m + i) * n + j] = s;
      }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, std::source_location loc) {
  Site site = Site::call("matmul", "op", loc);
  checks::defined(a, "the first operand of matmul", site);
  checks::defined(b, "the second operand of matmul", site);
  const Shape &sa = a.shape(), &sb = b.shape();
  checks::check_matmul(sa, a.dtype(), sb, b.dtype(), site);
  const int r = sa.rank();
  const std::int64_t batch = r == 3 ? sa[0] : 1, m = sa[r - 2], k = sa[r - 1], n = sb[r - 1];
  Shape out_shape = r == 3 ? Shape{batch, m, n} : Shape{m, n};
  Tensor c = Tensor::empty(out_shape, a.dtype());
  gemm_any(a, b, c, batch, m, k, n);
  return attach_grad(c, "matmul", {a, b}, [a, b, r, batch, m, k, n](const Tensor& d) {
    Tensor da, db;
    if (a.dtype() == DType::f32) {  // dA = dC B^T, dB = A^T dC straight from sgemm's flags
      if (a.requires_grad()) {
        da = Tensor::empty(a.shape(), DType::f32);
        for (std::int64_t i = 0; i < batch; ++i)
          kernels::sgemm(false, true, m, k, n, d.data<float>() + i * m * n,
                         b.data<float>() + i * k * n, da.data<float>() + i * m * k);
      }
      if (b.requires_grad()) {
        db = Tensor::empty(b.shape(), DType::f32);
        for (std::int64_t i = 0; i < batch; ++i)
          kernels::sgemm(true, false, k, n, m, a.data<float>() + i * m * k,
                         d.data<float>() + i * m * n, db.data<float>() + i * k * n);
      }
      return std::vector<Tensor>{da, db};
    }
    std::vector<int> perm = r == 3 ? std::vector<int>{0, 2, 1} : std::vector<int>{1, 0};
    if (a.requires_grad()) da = matmul(d, transpose(b.detach(), perm));
    if (b.requires_grad()) db = matmul(transpose(a.detach(), perm), d);
    return std::vector<Tensor>{da, db};
  });
}

}  // namespace tenet
