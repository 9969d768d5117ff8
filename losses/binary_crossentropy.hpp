#pragma once
// BinaryCrossentropy: one independent yes/no per output. Predictions are probabilities in
// [0, 1] (a sigmoid last layer), or logits with from_logits = true; labels are 0/1 (or soft
// targets in [0, 1]) of the predictions' shape, (N,) accepted for (N, 1). Result: the mean over
// the last axis, then over the batch, (). As Keras: probabilities are clipped to
// [1e-7, 1 - 1e-7]; with logits the sigmoid and the cross-entropy are one stable op.
#include <tenet/core/graph/loss.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>

namespace tenet {

class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(CrossentropyOptions options = {});
};

}  // namespace tenet
