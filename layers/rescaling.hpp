#pragma once
// Rescaling: y = x * scale + offset, e.g. Rescaling(1.0 / 255) to bring uint8-range images to
// [0, 1], or Rescaling(1.0 / 127.5, -1) for [-1, 1]. No weights.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct RescalingOptions {
  std::string name;  // automatic ("rescaling", "rescaling_1", ...) when empty
};

class Rescaling : public Layer {
 public:
  explicit Rescaling(double scale, double offset = 0.0, RescalingOptions options = {},
                     std::source_location loc = std::source_location::current());
};

}  // namespace tenet
