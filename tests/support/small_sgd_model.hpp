#pragma once
// A Dense(3) model compiled with SGD and mean squared error.
#include <doctest/doctest.h>

#include <cstdint>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "support/test_util.hpp"

namespace tenet::testing {
using namespace tenet;

inline Model small_model() {
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  return m;
}

}  // namespace tenet::testing
