#pragma once
// Dense: y = activation(x . kernel + bias). Kernel (in, units) and bias (units,), as in Keras.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct DenseOptions {
  Activation activation = Activation::none;
  bool use_bias = true;
  std::uint64_t seed = 0;  // Glorot-uniform initialisation seed
  std::string name;        // automatic ("dense", "dense_1", ...) when empty
};

class Dense : public Layer {
 public:
  explicit Dense(std::int64_t units, DenseOptions options = {},
                 std::source_location loc = std::source_location::current());
};

}  // namespace tenet
