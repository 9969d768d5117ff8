#pragma once
// Your own images: one class per subfolder, PNG and JPEG files, as Keras's
// image_dataset_from_directory reads them.
//
//   flowers/daisy/001.jpg, flowers/daisy/002.png, flowers/tulip/001.jpg, ...
//   auto data = data::image_folder("flowers", {.image_size = {{64, 64}}});
//   data.images   (N, 64, 64, 3) uint8;  data.labels (N,) int32;  data.class_names {"daisy", "tulip"}
//
// Class names are the subfolder names in sorted order (label i is class_names[i]); files are
// taken in sorted order within each class. Files whose names do not end in .png, .jpg or .jpeg
// (any case) are skipped, as are hidden files and folders (names starting with '.').
#include <array>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data {

enum class ColorMode { rgb, grayscale, rgba };  // 3, 1 or 4 channels
const char* color_mode_name(ColorMode mode);     // "rgb", "grayscale", "rgba" (Keras's names)

struct ImageFolderOptions {
  // Resize every image to (height, width), bilinear as Keras's Resizing. Without it, every image
  // must already have one size (else batch.ragged names two files that differ).
  std::optional<std::array<std::int64_t, 2>> image_size;
  ColorMode color_mode = ColorMode::rgb;  // images are converted to it on decoding
};

struct ImageFolder {
  Tensor images;                         // (N, H, W, C) uint8
  Tensor labels;                         // (N,) int32, indices into class_names
  std::vector<std::string> class_names;  // the subfolders, sorted
  std::vector<std::string> files;        // sample i's file, relative to the folder
};

// Reads the folder. Errors: IOError for a folder that is missing or unreadable; data.format
// for a folder without class subfolders or images, and for a corrupt, truncated or unsupported
// image (naming the file and what its decoder said) or a special file (FIFO, device) named
// like an image; batch.ragged for images of different sizes without image_size;
// options.invalid for an image_size below 1, a color_mode that is no ColorMode, or an image or
// folder too large for memory.
ImageFolder image_folder(const std::string& directory, ImageFolderOptions options = {},
                         std::source_location loc = std::source_location::current());

// Decodes one PNG or JPEG image held in memory into (H, W, C) uint8; `name` names it in
// errors (data.format when the bytes are not a supported, intact image; options.invalid for a
// `mode` that is no ColorMode).
Tensor decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name,
                    ColorMode mode = ColorMode::rgb);

}  // namespace tenet::data
