#pragma once
// Concatenate: joins two or more inputs along `axis` (counting the batch axis, -1 = channels).
// Contracts (build and run): concat.rank, concat.axis, concat.shape.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct ConcatenateOptions {
  std::string name;  // automatic ("concatenate", "concatenate_1", ...) when empty
};

class Concatenate : public Layer {
 public:
  explicit Concatenate(int axis = -1, ConcatenateOptions options = {},
                       std::source_location loc = std::source_location::current());
};

// Raises layer.input_count unless a merge layer (Concatenate, Add, Multiply) gets 2+ inputs.
void check_merge_inputs(std::size_t n, const std::string& type, const Site& where, Phase phase);

}  // namespace tenet
