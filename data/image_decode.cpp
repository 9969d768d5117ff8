// PNG (libpng's simplified API) and JPEG (TurboJPEG) decoding into (H, W, C) uint8 tensors.
// Neither API long-jumps: every failure comes back as a message, which becomes data.format.
#include <tenet/data/image_folder.hpp>

#include <png.h>
#include <turbojpeg.h>

#include <memory>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/enum_checks.hpp"
#include "data/format_error.hpp"

namespace tenet::data {

namespace {

using detail::format_error;

// A supported image cannot expand beyond these ratios of its file size: deflate tops out near
// 1032:1, and a JPEG's smallest 8x8 block takes some bits; a header that claims more pixels
// than that is a lie (a decompression bomb), refused before any pixel is allocated.
constexpr double kMaxPngRatio = 1100, kMaxJpegRatio = 8192;
constexpr std::int64_t kMaxSide = 1'000'000;  // libpng's own default limit per side

int channels_of(ColorMode mode) {
  return mode == ColorMode::grayscale ? 1 : mode == ColorMode::rgb ? 3 : 4;
}

[[noreturn]] void bad_image(const std::string& name, const std::string& format,
                            const std::string& problem, const std::string& cause) {
  format_error(name, "image", {problem, "an intact " + format + " image", format + " data that " +
                                   problem, cause,
                               "re-export or re-download the image, or remove it from the folder"});
}

// The declared size must be sane, fit memory and be possible for `bytes` bytes of data.
void check_declared(const std::string& name, const std::string& format, std::int64_t h,
                    std::int64_t w, int c, std::size_t bytes, double ratio) {
  const double pixels = static_cast<double>(h) * static_cast<double>(w) * c;
  if (h < 1 || w < 1 || h > kMaxSide || w > kMaxSide)
    bad_image(name, format, "declares " + std::to_string(w) + " x " + std::to_string(h) + " pixels",
              "an image side must be 1 to " + std::to_string(kMaxSide) + " pixels");
  if (pixels > ratio * static_cast<double>(bytes) + 65536 ||
      !checks::fits_in_memory(Shape{h, w, c}, DType::u8))
    bad_image(name, format,
              "declares " + std::to_string(w) + " x " + std::to_string(h) + " pixels from " +
                  detail::bytes_str(bytes),
              "that many pixels cannot come from so few bytes (or would not fit this machine's "
              "memory): the header is damaged or the file is a decompression bomb");
}

Tensor decode_png(const std::vector<std::uint8_t>& bytes, const std::string& name, int c) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  std::unique_ptr<png_image, void (*)(png_imagep)> guard(&img, png_image_free);
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()))
    bad_image(name, "PNG", "cannot be read", std::string("libpng: ") + img.message);
  img.format = c == 1 ? PNG_FORMAT_GRAY : c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
  check_declared(name, "PNG", img.height, img.width, c, bytes.size(), kMaxPngRatio);
  Tensor out = Tensor::empty({img.height, img.width, c}, DType::u8);
  if (!png_image_finish_read(&img, nullptr, out.data<std::uint8_t>(), 0, nullptr))
    bad_image(name, "PNG", "is damaged or truncated", std::string("libpng: ") + img.message);
  return out;
}

Tensor decode_jpeg(const std::vector<std::uint8_t>& bytes, const std::string& name, int c) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) internal_error("TurboJPEG could not start a decompressor");
  int w = 0, h = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), &w,
                          &h, &subsampling, &colorspace) != 0)
    bad_image(name, "JPEG", "cannot be read", std::string("libjpeg-turbo: ") +
                                                  tjGetErrorStr2(tj.get()));
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    format_error(name, "image", {"is a CMYK JPEG", "an RGB or grayscale JPEG",
                                 "a JPEG in the CMYK colour space (print files)",
                                 "CMYK cannot be converted to RGB without the print profile",
                                 "convert the image to RGB (e.g. with an image editor) and save "
                                 "it again"});
  check_declared(name, "JPEG", h, w, c, bytes.size(), kMaxJpegRatio);
  Tensor out = Tensor::empty({h, w, c}, DType::u8);
  const int format = c == 1 ? TJPF_GRAY : c == 3 ? TJPF_RGB : TJPF_RGBA;
  // TJFLAG_STOPONWARNING: a truncated file is refused instead of filled with grey.
  if (tjDecompress2(tj.get(), bytes.data(), static_cast<unsigned long>(bytes.size()),
                    out.data<std::uint8_t>(), w, 0, h, format, TJFLAG_STOPONWARNING) != 0)
    bad_image(name, "JPEG", "is damaged or truncated", std::string("libjpeg-turbo: ") +
                                                           tjGetErrorStr2(tj.get()));
  return out;
}

bool starts_with(const std::vector<std::uint8_t>& b, std::initializer_list<int> sig) {
  if (b.size() < sig.size()) return false;
  std::size_t i = 0;
  for (int s : sig)
    if (b[i++] != s) return false;
  return true;
}

// What a file that is neither PNG nor JPEG looks like, for the message.
std::string other_format(const std::vector<std::uint8_t>& b) {
  if (starts_with(b, {'G', 'I', 'F'})) return "a GIF image";
  if (starts_with(b, {'B', 'M'})) return "a BMP image";
  if (starts_with(b, {'R', 'I', 'F', 'F'})) return "a RIFF file (WebP?)";
  if (b.empty()) return "an empty file";
  return "data that is neither PNG nor JPEG";
}

}  // namespace

const char* color_mode_name(ColorMode mode) {
  switch (mode) {
    case ColorMode::rgb: return "rgb";
    case ColorMode::grayscale: return "grayscale";
    case ColorMode::rgba: return "rgba";
  }
  return "?";
}

Tensor decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name,
                    ColorMode mode) {
  checks::check_enum("decode_image mode", mode, "ColorMode", 3, color_mode_name,
                     Site("decode_image", "data"), Phase::load);
  const int c = channels_of(mode);
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}))
    return decode_png(bytes, name, c);
  if (starts_with(bytes, {0xff, 0xd8, 0xff})) return decode_jpeg(bytes, name, c);
  format_error(name, "image", {"is not a PNG or JPEG image",
                               "a PNG (starts with \\x89PNG) or JPEG (starts with FF D8 FF) file",
                               other_format(bytes),
                               "image_folder decodes PNG and JPEG files only",
                               "convert the file to PNG or JPEG, or move it out of the folder"});
}

}  // namespace tenet::data
