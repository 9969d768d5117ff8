#pragma once
// RandomTranslation: when training, shifts each image by a fraction of its height and width
// drawn from height_factor and width_factor (each bound in [-1, 1]; positive moves the image
// down / right), filling what comes into view by fill_mode, as Keras's RandomTranslation.
// Identity at inference. Input (N, H, W, C), output the same. Contracts: conv.rank,
// options.invalid. See random_transform.hpp for factors, seeds and gradients.
#include <tenet/core/graph/layer.hpp>
#include <tenet/layers/random_transform.hpp>

namespace tenet {

using RandomTranslationOptions = RandomTransformOptions;

class RandomTranslation : public Layer {
 public:
  RandomTranslation(Factor height_factor, Factor width_factor,
                    RandomTranslationOptions options = {},
                    std::source_location loc = std::source_location::current());
};

}  // namespace tenet
