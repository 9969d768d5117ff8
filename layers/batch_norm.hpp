#pragma once
// BatchNorm: Keras's BatchNormalization over the last axis (channels of (N, H, W, C), features
// of (N, F)). Training normalises with the batch statistics; inference with the moving ones.
//   y = gamma * (x - mean) / sqrt(var + epsilon) + beta
// The moving statistics change only when a training step is committed:
//   moving = moving * momentum + batch * (1 - momentum)    (batch variance biased, like Keras)
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct BatchNormOptions {
  double momentum = 0.99;  // in [0, 1]
  double epsilon = 1e-3;   // finite, > 0
  std::string name;  // automatic ("batch_normalization", "batch_normalization_1", ...) when empty
};

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(BatchNormOptions options = {},
                     std::source_location loc = std::source_location::current());
  // Applies the batch statistics of the training-mode calls since the last commit to the moving
  // statistics (Model does this after each successful optimizer step; call it yourself in an
  // eager training loop).
  void commit() const;
  // Forgets them instead.
  void discard() const;
};

}  // namespace tenet
