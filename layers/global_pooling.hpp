#pragma once
// Global pooling: (N, H, W, C) -> (N, C), the mean or the maximum over height and width.
// Unlike Flatten, the output size does not depend on H and W, so it works after an Input with
// None height/width. Contract: conv.rank when the input is not (batch, height, width, channels).
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct GlobalPoolingOptions {
  std::string name;  // automatic ("global_average_pooling2d", ...) when empty
};

class GlobalAveragePooling2D : public Layer {
 public:
  explicit GlobalAveragePooling2D(GlobalPoolingOptions options = {},
                                  std::source_location loc = std::source_location::current());
};

class GlobalMaxPooling2D : public Layer {
 public:
  explicit GlobalMaxPooling2D(GlobalPoolingOptions options = {},
                              std::source_location loc = std::source_location::current());
};

}  // namespace tenet
