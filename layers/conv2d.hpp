#pragma once
// Conv2D: y = activation(conv(x, kernel) + bias) on channels-last images, as in Keras.
// Input (N, H, W, C), kernel (kh, kw, C, filters), bias (filters,), output (N, H', W', filters).
#include <array>

#include <tenet/core/graph/layer.hpp>

namespace tenet {

struct Conv2DOptions {
  std::array<std::int64_t, 2> strides = {1, 1};
  Padding padding = Padding::valid;  // "same" pads like TensorFlow (extra row/column at the end)
  std::array<std::int64_t, 2> dilation = {1, 1};
  bool use_bias = true;
  // none; relu (fused into the convolution kernel as its post-op); or softmax over the
  // channel axis, applied after the convolution as its own op.
  Activation activation = Activation::none;
  std::uint64_t seed = 0;  // Glorot-uniform initialisation seed; 0 draws from the sequence
  std::string name;        // automatic ("conv2d", "conv2d_1", ...) when empty
};

class Conv2D : public Layer {
 public:
  Conv2D(std::int64_t filters, std::array<std::int64_t, 2> kernel_size,
         Conv2DOptions options = {},
         std::source_location loc = std::source_location::current());
};

}  // namespace tenet
