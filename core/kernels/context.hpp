#pragma once
// The kernel boundary's common part, in tenet's terms: the denormal mode kernels run with,
// the translation of kernel failures into tenet errors, and the plain matrix product. No oneDNN
// type appears here: the headers of core/kernels that layers and ops include (conv.hpp,
// batch_norm.hpp, max_pool.hpp, relu.hpp, concat.hpp, layout.hpp) speak shapes and tensors;
// memory.hpp and pooling.hpp, which speak oneDNN, are included only inside core/kernels.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/base/runtime.hpp>
#include <tenet/core/base/shape.hpp>

namespace tenet::kernels {

// The denormal mode set_flush_denormals chose, for the kernels run in this scope: set on the
// calling thread and restored when the scope ends (the caller's own arithmetic keeps its
// mode), and set on the threads of the OpenMP pool once per setting (they run the kernels).
class FloatModeScope {
 public:
  FloatModeScope();
  ~FloatModeScope();
  FloatModeScope(const FloatModeScope&) = delete;
  FloatModeScope& operator=(const FloatModeScope&) = delete;

 private:
  unsigned saved_ = 0;
};

// Runs `body`; a dnnl::error escaping it is rethrown as an InternalError naming the layer and
// shapes (contracts are checked before kernels run, so a oneDNN failure here is tenet's bug).
void guarded(const std::string& where, const std::vector<Shape>& shapes,
             const std::function<void()>& body);

// C = A (M, K) x B (K, N), row-major float32, through oneDNN's sgemm.
// Measured in benchmarks/gemm_choice on this machine (2026-11-23): oneDNN's sgemm is 6-28%
// faster than Debian's OpenBLAS 0.3.21 (Cooperlake kernel), most on Dense-shaped products
// (64x128x3136), so GEMMs go to oneDNN and OpenBLAS serves as the independent reference in tests.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
           const float* a, const float* b, float* c, float beta = 0.0f);

}  // namespace tenet::kernels
