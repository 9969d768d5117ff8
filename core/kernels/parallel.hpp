#pragma once
// The parallel loop of tenet's own kernel loops (max pooling, channel concat). Internal to
// core/kernels.
#include <cstdint>

#include <omp.h>

namespace tenet::kernels {

// Runs body(i, j) for every i < outer and j < inner over the step's OpenMP threads, or inline
// when `serial` (work too small to share) or the step runs on one thread: libgomp allocates and
// frees a team on every parallel region, one thread or `if(false)` included (1-3 us of a
// single-image predict). Each (i, j) must write only its own outputs, so the bits are the same
// either way.
template <class Body>
void parallel_rows(std::int64_t outer, std::int64_t inner, const Body& body, bool serial = false) {
  if (serial || omp_get_max_threads() == 1) {
    for (std::int64_t i = 0; i < outer; ++i)
      for (std::int64_t j = 0; j < inner; ++j) body(i, j);
    return;
  }
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t i = 0; i < outer; ++i)
    for (std::int64_t j = 0; j < inner; ++j) body(i, j);
}

}  // namespace tenet::kernels
