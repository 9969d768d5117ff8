#pragma once
// The oneDNN kernel boundary: the one CPU engine and stream tenet uses, the thread count,
// and the translation of oneDNN failures into tenet errors. Only core/ and layers/ .cpp files
// include this header; oneDNN types never appear in tenet's public headers.
#include <functional>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include <tenet/core/base/error.hpp>
#include <tenet/core/base/runtime.hpp>
#include <tenet/core/base/shape.hpp>

namespace tenet::kernels {

dnnl::engine& engine();
dnnl::stream& stream();

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

// oneDNN's dims for a shape (all dimensions must be known).
dnnl::memory::dims dims_of(const Shape& s);

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
