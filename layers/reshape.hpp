#pragma once
// Reshape: (N, ...) -> (N, *target) where `target` omits the batch axis, e.g. Reshape({7, 7, 64}).
// One entry may be -1 ("the rest"), as in Keras. The element count is checked when the model
// is built (reshape.size) whenever the input's per-sample size is known.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct ReshapeOptions {
  std::string name;  // automatic ("reshape", "reshape_1", ...) when empty
};

class Reshape : public Layer {
 public:
  explicit Reshape(const Shape& target, ReshapeOptions options = {},
                   std::source_location loc = std::source_location::current());
};

}  // namespace tenet
