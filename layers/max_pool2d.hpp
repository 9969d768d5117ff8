#pragma once
// MaxPool2D: the maximum over each pool window of channels-last images, as in Keras.
// Input (N, H, W, C), output (N, H', W', C); "same" padding never picks a padded cell.
#include <array>

#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct MaxPool2DOptions {
  std::array<std::int64_t, 2> strides = {};  // {} (zeros): the pool size, as in Keras
  Padding padding = Padding::valid;
  std::string name;  // automatic ("max_pooling2d", "max_pooling2d_1", ...) when empty
};

class MaxPool2D : public Layer {
 public:
  explicit MaxPool2D(std::array<std::int64_t, 2> pool_size = {2, 2},
                     MaxPool2DOptions options = {},
                     std::source_location loc = std::source_location::current());
};

}  // namespace tenet
