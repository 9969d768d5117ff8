#pragma once
// Shared by the checkpoint tests of tests/data (test_checkpoint*.cpp); tests/data/test_checkpoint.cpp
// defines what is declared here.
#include <filesystem>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

namespace ckpt {

using tenet::testing::TempDir;

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
using tenet::testing::bitwise_equal;
using tenet::testing::capture;
using tenet::testing::clones;

}  // namespace ckpt
