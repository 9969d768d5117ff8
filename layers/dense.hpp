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

// Glorot (Xavier) uniform initialisation as Keras does: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
// Fans in double: a product of user sizes never overflows here (the shape is checked when the
// tensor is allocated).
Tensor glorot_uniform(const Shape& shape, double fan_in, double fan_out, std::uint64_t seed);

// `a` applied to x as an autograd op: x itself, relu(x), or softmax(x) over the last axis. For
// custom layers: Dense and Conv2D fuse a ReLU into their own kernels and call softmax directly.
Tensor apply_activation(const Tensor& x, Activation a);

}  // namespace tenet
