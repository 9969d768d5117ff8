#pragma once
// Shared by the parts of the "checkpoint" suite (test_checkpoint*.cpp).
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <stdexcept>

#include <tenet/tenet.hpp>

namespace ckpt {

// A fresh directory under the system's temp directory, removed with its contents.
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const;
  std::filesystem::path path;
};

// Inputs 28x28x1 and 14x14x1, Conv2D(8, 3x3, same, relu) + MaxPool2D on the first,
// Conv2D(8, 3x3, same, relu) on the second, Concatenate, BatchNorm, Flatten, Dense(16, relu),
// Dense(10): the model scripts/keras_compat.py builds in Keras. `image_conv` receives the
// first Conv2D.
tenet::Model compat_model(tenet::Layer* image_conv = nullptr);
struct CompatData {
  tenet::Tensor image, thumb, labels;  // labels: int32 classes 0..9
};
CompatData compat_data(std::int64_t n, std::uint64_t seed);
void compile_adam(tenet::Model& m);
// Input (6) -> Dense(h, relu) for each h -> Dense(out).
tenet::Model mlp(std::vector<std::int64_t> hidden, std::int64_t out, bool bias = true);
std::vector<tenet::Tensor> clones(const std::vector<tenet::Tensor>& ts);
bool bitwise_equal(const std::vector<tenet::Tensor>& a, const std::vector<tenet::Tensor>& b);

// The ContractError that f() raises (a test failure when it raises none).
template <class F>
tenet::ContractError capture(F&& f) {
  try {
    f();
  } catch (const tenet::ContractError& e) {
    return e;
  }
  FAIL("expected a tenet::ContractError");
  throw std::logic_error("unreachable");
}

}  // namespace ckpt
