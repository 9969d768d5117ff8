#pragma once
// Merge layers: Add (x1 + x2 + ...) and Multiply (x1 * x2 * ...) of two or more inputs with
// equal shapes, as Keras's merge layers require (unknown axes such as the batch match any
// size). Contract: elementwise.shape, with the differing axes marked.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct MergeOptions {
  std::string name;  // automatic ("add", "multiply", ...) when empty
};

class Add : public Layer {
 public:
  explicit Add(MergeOptions options = {},
               std::source_location loc = std::source_location::current());
};

class Multiply : public Layer {
 public:
  explicit Multiply(MergeOptions options = {},
                    std::source_location loc = std::source_location::current());
};

}  // namespace tenet
