#pragma once
// The largest difference from a double-precision reference, for the MaxPool2D and BatchNorm tests.
#include <doctest/doctest.h>

#include <cmath>

#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/max_pool2d.hpp>

#include "core/kernels/memory.hpp"
#include "support/gradcheck.hpp"

namespace tenet::testing {
using namespace tenet;

inline double worst_diff(const std::vector<double>& want, const Tensor& got) {
  auto g = got.to_vector<double>();
  REQUIRE(g.size() == want.size());
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - want[i]));
  return worst;
}

}  // namespace tenet::testing
