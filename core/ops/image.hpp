#pragma once
// Image ops on channels-last tensors. `resize` is the one resizing function of tenet: the
// Resizing layer and data preprocessing both call it.
#include <array>
#include <cstdint>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Bilinear resize with half-pixel centres, exactly as TensorFlow's
// tf.image.resize(images, size, method="bilinear", antialias=False) and Keras's Resizing:
//   in = (out + 0.5) * in_size / out_size - 0.5, clamped to [0, in_size - 1].
// images: (N, H, W, C) or (H, W, C), any dtype (read as float32, like TF). Returns float32
// (N, size[0], size[1], C) or (size[0], size[1], C), differentiable with respect to images.
Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size);

}  // namespace tenet
