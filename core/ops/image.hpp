#pragma once
// Image ops on channels-last tensors. `resize` is the one resizing function of tenet: the
// Resizing layer and data preprocessing both call it.
#include <array>
#include <cstdint>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Bilinear resize with half-pixel centres, exactly as TensorFlow's
// tf.image.resize(images, size, method="bilinear", antialias=False) and Keras's Resizing:
//   in = (out + 0.5) * in_size / out_size - 0.5, clamped to [0, in_size - 1].
// images: (N, H, W, C) or (H, W, C), any dtype (read as float32, like TF). Returns float32
// (N, size[0], size[1], C) or (size[0], size[1], C), differentiable with respect to images.
Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size);

}  // namespace tenet

namespace tenet {

// How affine_transform fills output pixels that map outside the input, as Keras and
// TensorFlow define it (scipy's ndimage modes), for an input row "abcd":
//   reflect  dcba|abcd|dcba    wrap  abcd|abcd|abcd
//   constant kkkk|abcd|kkkk (k = fill_value)    nearest  aaaa|abcd|dddd
enum class FillMode { reflect, wrap, constant, nearest };
enum class Interpolation { bilinear, nearest };
const char* fill_mode_name(FillMode m);          // "reflect", ... (Keras's names)
const char* interpolation_name(Interpolation i);  // "bilinear", "nearest"

// One projective transform per image: {a0, a1, a2, b0, b1, b2, c0, c1} maps the output pixel
// (x, y) (x the column) to the input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
// k = c0 x + c1 y + 1: the matrix keras.ops.image.affine_transform takes.
using ImageTransform = std::array<float, 8>;

struct AffineTransformOptions {
  Interpolation interpolation = Interpolation::bilinear;
  FillMode fill_mode = FillMode::constant;
  float fill_value = 0.0f;
};

// keras.ops.image.affine_transform with the TensorFlow backend (ImageProjectiveTransformV3),
// in float32 with the same order of operations. images: (N, H, W, C) float32; `transforms`
// holds N rows, or one row for every image. Returns (N, H, W, C), differentiable with respect
// to images: the gradient is the exact adjoint of the sampling (each output gradient goes back
// to the pixels it read, with their weights). The transforms themselves get no gradient.
Tensor affine_transform(const Tensor& images, const std::vector<ImageTransform>& transforms,
                        AffineTransformOptions options = {});

// images (N, H, W, C) with the width axis reversed (left-right) for `horizontal`, the height
// axis reversed (top-bottom) for `vertical`, only for the samples whose `which` entry is true
// (one entry per sample). Differentiable with respect to images.
Tensor flip_images(const Tensor& images, const std::vector<bool>& which, bool horizontal,
                   bool vertical);

}  // namespace tenet
