#pragma once
// Activation layers: ReLU (y = max(x, 0)), Softmax (normalised exponentials along `axis`), and
// ActivationLayer (Keras's Activation layer: linear, relu, or softmax on the last axis).
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

// Keras's `Activation("relu")` layer: the same function as Dense's `activation` option, as a
// layer of its own (class Activation, automatic names "activation", "activation_1", ...).
class ActivationLayer : public Layer {
 public:
  explicit ActivationLayer(Activation activation, ActivationLayerOptions options = {},
                           std::source_location loc = std::source_location::current());
};

}  // namespace tenet
