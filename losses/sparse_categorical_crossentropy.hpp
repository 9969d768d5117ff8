#pragma once
// SparseCategoricalCrossentropy: labels are integer class indices (N,) or (N, 1) of dtype
// uint8, int32 or int64, in [0, C); predictions are probabilities (N, C), or logits with
// from_logits = true. Result: the mean over the batch, shape (). Same numerics as
// CategoricalCrossentropy on one_hot(labels, C).
#include <tenet/losses/categorical_crossentropy.hpp>

namespace tenet {

using SparseCrossentropyOptions = CrossentropyOptions;

class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(CrossentropyOptions options = {});
};

}  // namespace tenet
