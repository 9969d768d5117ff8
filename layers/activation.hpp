#pragma once
// Activation layers: ReLU (y = max(x, 0)) and Softmax (normalised exponentials along `axis`).
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct ActivationLayerOptions {
  std::string name;  // automatic ("re_lu", "softmax", ...) when empty
};

class ReLU : public Layer {
 public:
  explicit ReLU(ActivationLayerOptions options = {},
                std::source_location loc = std::source_location::current());
};

class Softmax : public Layer {
 public:
  explicit Softmax(int axis = -1, ActivationLayerOptions options = {},
                   std::source_location loc = std::source_location::current());
};

}  // namespace tenet
