#pragma once
// The plain matrix product: Dense's kernel and matmul's. Row-major float32, no oneDNN type.
#include <cstdint>

namespace tenet::kernels {

// C = A (M, K) x B (K, N), row-major float32, through oneDNN's sgemm.
// Measured in benchmarks/gemm_choice on this machine (2026-11-23): oneDNN's sgemm is 6-28%
// faster than Debian's OpenBLAS 0.3.21 (Cooperlake kernel), most on Dense-shaped products
// (64x128x3136), so GEMMs go to oneDNN and OpenBLAS serves as the independent reference in tests.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
           const float* a, const float* b, float* c, float beta = 0.0f);

}  // namespace tenet::kernels
