#pragma once
// Preprocessing: labels to one-hot, pixels to float, and image size/augmentation helpers.
// Images are (N, H, W, C) or (N, H, W) (grayscale without a channel axis), channels-last.
#include <array>
#include <cstdint>
#include <source_location>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Class indices (N,) or (N, 1) of any integer dtype, or float holding whole numbers, to float32
// one-hot rows (N, classes). A label outside [0, classes) raises loss.label_range naming the
// first offending sample and its value; a fractional float label raises loss.label_dtype.
Tensor one_hot(const Tensor& labels, std::int64_t classes,
               std::source_location loc = std::source_location::current());

// x.astype(float32) * scale: uint8 pixels 0..255 to [0, 1] by default.
Tensor to_float(const Tensor& x, double scale = 1.0 / 255.0);

}  // namespace tenet

namespace tenet::data {

// Bilinear resize with half-pixel centres, the same function as the Resizing layer (core's
// tenet::resize). (N, H, W, C) -> float32 (N, size[0], size[1], C).
Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size);

// Zero padding around the image, centred (an odd extra row/column goes to the bottom/right).
// The target must not be smaller than the images (input.shape; use center_crop). Keeps dtype.
Tensor pad_to(const Tensor& images, std::array<std::int64_t, 2> size);

// The central size[0] x size[1] window (an odd leftover row/column is cut at the bottom/right).
// The target must not be larger than the images (input.shape; use pad_to). Keeps dtype.
Tensor center_crop(const Tensor& images, std::array<std::int64_t, 2> size);

// Mirrors each image left-right with probability 1/2, chosen by a mt19937_64 seeded with
// `seed` (the same seed flips the same images). Keeps dtype.
Tensor random_flip_left_right(const Tensor& images, std::uint64_t seed);

}  // namespace tenet::data
