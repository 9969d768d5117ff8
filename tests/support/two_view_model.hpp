#pragma once
// The two-input model and synthetic data of the Model and fit tests.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"

namespace tenet::testing {
using namespace tenet;

// A learnable two-input problem: the class is the argmax of a fixed linear map of both views.
struct Synthetic {
  Tensor image, thumb, labels;
};

inline Synthetic make_data(std::int64_t n, std::uint64_t seed) {
  Synthetic d;
  d.image = Tensor::uniform({n, 6, 6, 1}, seed);
  d.thumb = Tensor::uniform({n, 3, 3, 1}, seed + 1);
  Tensor w1 = Tensor::randn({36, 3}, 42), w2 = Tensor::randn({9, 3}, 43);
  Tensor scores = matmul(d.image.reshape({n, 36}), w1) + matmul(d.thumb.reshape({n, 9}), w2) * 2.0;
  d.labels = scores.argmax(1).astype(DType::i32);
  return d;
}

inline Model two_view_model() {
  auto image = Input({6, 6, 1}, {.name = "image"});
  auto thumb = Input({3, 3, 1}, {.name = "thumb"});
  auto a = Flatten()(image);
  auto b = Flatten()(thumb);
  auto z = Concatenate()({a, b});
  z = Dense(32, {.activation = Activation::relu})(z);
  auto logits = Dense(3)(z);
  return Model({image, thumb}, logits, "two_view");
}

inline void compile_sgd(Model& m, double lr = 0.1) {
  m.compile({.optimizer = SGD({.learning_rate = lr, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
}

}  // namespace tenet::testing
