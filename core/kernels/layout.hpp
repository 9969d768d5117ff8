#pragma once
// Whether a tensor's bytes lie in a kernel library's blocked layout (see StorageLayout): the
// one layout question asked outside core/kernels (ops choose the blocked path of relu and
// concat by it; tests check that activations stay blocked between layers).
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

// True when t's bytes lie in a oneDNN layout other than row-major (a 4-D float32 tensor).
bool is_blocked(const Tensor& t);

}  // namespace tenet::kernels
