#pragma once
// Whether a tensor's bytes lie in a kernel library's blocked layout (see StorageLayout): the
// one layout question asked outside core/kernels (ops choose the blocked path of relu and
// concat by it; tests check that activations stay blocked between layers).
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

// True when t's bytes lie in a oneDNN layout other than row-major (a 4-D float32 tensor).
bool is_blocked(const Tensor& t);

// A new row-major float32 tensor of `shape` (as many elements as t) holding the elements of
// the blocked tensor t, converted in one reorder; t itself keeps its layout. Flatten's predict
// path: converting t in place went through a scratch block and a copy back.
Tensor row_major_copy(const Tensor& t, const Shape& shape);

}  // namespace tenet::kernels
