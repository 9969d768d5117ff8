#pragma once
// The contracts of image arrays (internal: core/ops/image.cpp's resize and data/'s
// preprocessing and image folders call these): input.rank, input.shape, resize.size and
// batch.ragged for images of different sizes; and the advice on images of another channel
// count (RGBA where RGB is expected) that input.shape and conv.channels give. Each message is
// written here once (image_checks.cpp).
#include <array>
#include <cstdint>
#include <string>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// What to say about images of `got` channels where `want` are expected: RGBA against RGB,
// grayscale against RGB and so on. `known` is false when neither count names an image format.
struct ChannelAdvice {
  bool known = false;
  std::string cause;  // "RGBA images (4 channels: red, green, blue, alpha) where RGB (3) ..."
  std::string fix;    // "drop the alpha channel: slice(x, -1, 0, 3)"
};
ChannelAdvice channel_advice(std::int64_t got, std::int64_t want);

// resize: images of rank 3 or 4 (input.rank), a target size >= 1 (resize.size) and no empty
// axis in the images (resize.size).
void check_resize_args(const Shape& images, std::array<std::int64_t, 2> size, const Site& where);
// input.rank: `op` (center_crop, pad_to, ...) takes a batch of images (N, H, W, C) or (N, H, W).
void check_image_batch(const Shape& images, const std::string& op);
// input.shape: `op` crops (`grow` false: a target of at most the images' size) or pads (`grow`
// true: at least their size) images of `images` to `size`; resize.size for a size below 1.
void check_crop_or_pad(const Shape& images, std::array<std::int64_t, 2> size, bool grow,
                       const std::string& op);
// batch.ragged (phase load): image `other` (`got`, file `other_file`) differs in size from the
// first image (`first`, file `first_file`) of an image folder. Shapes are (H, W, C).
[[noreturn]] void ragged_images(const Shape& first, const std::string& first_file,
                                const Shape& got, const std::string& other_file,
                                const Site& where);

}  // namespace tenet::checks
