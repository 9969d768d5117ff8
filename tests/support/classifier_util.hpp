#pragma once
// A small classifier and its data, for the tests of fit's validation data (arrays and Dataset).
#include <cstdint>

#include <tenet/tenet.hpp>

namespace tenet::testing {

// Input(4) named "features" -> Dense(3), sparse labels from logits, SGD; the model is "small".
inline Model small_classifier() {
  auto in = Input({4}, {.name = "features"});
  Model m(in, Dense(3, {.seed = 1})(in), "small");
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
  return m;
}
// `n` samples of `features` values in [0, 1), and `n` labels of class 0.
inline Tensor x_of(std::int64_t n, std::int64_t features = 4) {
  return Tensor::uniform({n, features}, 3);
}
inline Tensor y_of(std::int64_t n) { return Tensor::zeros({n}, DType::i32); }

}  // namespace tenet::testing
