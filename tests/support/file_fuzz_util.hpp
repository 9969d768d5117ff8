#pragma once
// Byte files, a small model and the outcome of a load, for the file-damage tests.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "data/hdf5_guard.hpp"
#include "support/test_reliability_util.hpp"

namespace tenet::testing {
using namespace tenet;
namespace fs = std::filesystem;

// (8, 3) inputs with a NaN in sample `nan_row` (or none when -1), and sparse labels.
inline Tensor mlp_x(std::int64_t nan_row) {
  Tensor x = Tensor::uniform({8, 3}, 11, -1.0, 1.0);
  if (nan_row >= 0) x.data<float>()[nan_row * 3 + 1] = std::nanf("");
  return x;
}
inline Tensor mlp_y() { return Tensor::from_vector(std::vector<std::int32_t>{0, 1, 1, 0, 1, 0, 0, 1}); }

// The fuzz model of tests/fuzz/fuzz_weights.cpp, whose checkpoints are the weights seeds.
inline Model fuzz_model() {
  auto x = Input({4});
  auto h = Dense(3, {.activation = Activation::relu, .seed = 1})(x);
  h = BatchNorm()(h);
  Model m(x, Dense(2, {.seed = 2})(h), "fuzz");
  m.compile({.optimizer = Adam(), .loss = MeanSquaredError()});
  return m;
}

// Whether `f` ends with one of the outcomes the loaders promise for bad bytes.
template <class F>
inline std::string outcome(F&& f) {
  try {
    f();
    return "ok";
  } catch (const ContractError& e) {
    return e.code();
  } catch (const IOError&) {
    return "io";
  } catch (const std::exception& e) {
    return std::string("unexpected: ") + e.what();
  }
}

}  // namespace tenet::testing
