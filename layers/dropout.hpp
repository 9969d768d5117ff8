#pragma once
// Dropout: identity at inference; when training, each unit is zeroed with probability `rate`
// and the kept ones are scaled by 1 / (1 - rate), as Keras does. Masks come from a seeded
// sequence: each training call draws a new mask, and the same seed replays the same masks.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct DropoutOptions {
  std::uint64_t seed = 0;  // 0: the next seed of the session's sequence (set_random_seed)
  std::string name;        // automatic ("dropout", "dropout_1", ...) when empty
};

class Dropout : public Layer {
 public:
  explicit Dropout(double rate, DropoutOptions options = {},
                   std::source_location loc = std::source_location::current());
};

}  // namespace tenet
