#pragma once
// Flatten: (N, d1, ..., dk) -> (N, d1 * ... * dk), row-major, so images (N, H, W, C) flatten in
// (h, w, c) order exactly as Keras's channels-last Flatten. An unknown (None) axis other than
// the batch gives an unknown feature count; a following Dense then raises dense.undefined.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct FlattenOptions {
  std::string name;  // automatic ("flatten", "flatten_1", ...) when empty
};

class Flatten : public Layer {
 public:
  explicit Flatten(FlattenOptions options = {},
                   std::source_location loc = std::source_location::current());
};

}  // namespace tenet
