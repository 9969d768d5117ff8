#pragma once
// Comparing tensors computed in oneDNN blocked layouts with row-major ones.
#include <doctest/doctest.h>

#include <algorithm>

#include <tenet/tenet.hpp>

#include "core/kernels/memory.hpp"
#include "support/gradcheck.hpp"

namespace tenet::testing {
using namespace tenet;

// The largest |a - b| over two tensors of one shape (read as row-major).
inline double max_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

}  // namespace tenet::testing
