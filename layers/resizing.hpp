#pragma once
// Resizing: bilinear resize of images (N, H, W, C) -> (N, height, width, C) with half-pixel
// centres, the same numbers as Keras's Resizing / tf.image.resize (see core/ops/image.hpp).
// Input height and width may be unknown (None). Contract: conv.rank.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct ResizingOptions {
  std::string name;  // automatic ("resizing", "resizing_1", ...) when empty
};

class Resizing : public Layer {
 public:
  Resizing(std::int64_t height, std::int64_t width, ResizingOptions options = {},
           std::source_location loc = std::source_location::current());
};

}  // namespace tenet
