#pragma once
// RandomCrop: (N, H, W, C) -> (N, height, width, C). When training and the input is larger
// than (height, width) on both axes, one window of that size at a random place, the same
// place for the whole batch (as Keras). Otherwise (inference, or an input not larger on both
// axes) the centred window of the largest size with the target's aspect ratio, resized
// (bilinear) to (height, width) when it differs: Keras's rule for training, and what Keras
// documents for inference. (Keras 3.15 itself returns the input uncropped at inference,
// against its own output shape; tenet keeps the declared shape.) Contracts: conv.rank,
// options.invalid. See random_affine.hpp for seeds and gradients.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct RandomCropOptions {
  std::uint64_t seed = 0;  // 0: the next seed of the session's sequence (set_random_seed)
  std::string name;        // automatic ("random_crop", "random_crop_1", ...) when empty
};

class RandomCrop : public Layer {
 public:
  RandomCrop(std::int64_t height, std::int64_t width, RandomCropOptions options = {},
             std::source_location loc = std::source_location::current());
};

}  // namespace tenet
