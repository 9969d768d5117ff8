#pragma once
// RandomRotation: when training, turns each image about its centre by an angle drawn from
// factor, in fractions of a full turn (0.125 is 45 degrees; positive turns counter-clockwise
// as displayed, Keras's convention), filling the corners by fill_mode, as Keras's
// RandomRotation. A single factor f must be in [-1, 1]; a pair must reach into [-1, 1] (Keras's
// rule). Identity at inference. Input (N, H, W, C), output the same. Contracts: conv.rank,
// options.invalid. See random_transform.hpp for factors, seeds and gradients.
#include <tenet/core/graph/layer.hpp>
#include <tenet/layers/random_transform.hpp>

namespace tenet {

using RandomRotationOptions = RandomTransformOptions;

class RandomRotation : public Layer {
 public:
  explicit RandomRotation(Factor factor, RandomRotationOptions options = {},
                          std::source_location loc = std::source_location::current());
};

}  // namespace tenet
