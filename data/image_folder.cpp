// image_folder: walks class subfolders, decodes each image (image_decode.cpp), resizes or
// checks sizes, and stacks them into one uint8 batch.
#include <tenet/data/image_folder.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/enum_checks.hpp"
#include "core/contracts/image_checks.hpp"
#include <tenet/core/ops/image.hpp>
#include "core/base/atomic_file.hpp"
#include "data/format_error.hpp"

namespace tenet::data {

namespace {

namespace fs = std::filesystem;
using detail::format_error;

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

bool image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Whether the entry is a directory (links followed). An entry that cannot be looked at (a loop
// of symbolic links, a link through a file) raises IOError naming the entry itself, not the
// folder being listed.
bool entry_is_directory(const fs::directory_entry& entry) {
  std::error_code ec;
  const bool dir = entry.is_directory(ec);
  if (ec) detail::io_error(entry.path().string(), "cannot be looked at", ec.message());
  return dir;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!hidden(it->path()) && (directories || image_name(it->path())) &&
        entry_is_directory(*it) == directories)
      out.push_back(it->path());
  if (ec) detail::io_error(dir.string(), "cannot be listed", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// A class folder's images, subfolders included (as Keras), in sorted order; directory links
// are not followed, so a link loop cannot trap the walk.
std::vector<fs::path> class_images(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (hidden(it->path())) {
      std::error_code ignored;  // a hidden entry is skipped whatever it is
      if (it->is_directory(ignored)) it.disable_recursion_pending();
      continue;
    }
    if (image_name(it->path()) && !entry_is_directory(*it)) out.push_back(it->path());
  }
  if (ec) detail::io_error(dir.string(), "cannot be listed", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    format_error(path.string(), "image", {"is not a regular file", "a PNG or JPEG file",
                                          files::file_kind(st.st_mode),
                                          "it is named like an image but reading it could block "
                                          "or never end",
                                          "move it out of the image folder"});
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::io_error(path.string(), "cannot be opened", std::strerror(errno));
  const Shape size{static_cast<std::int64_t>(st.st_size)};
  checks::checked_bytes(size, DType::u8, Site("image_folder", "data"), Phase::load);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
    detail::io_error(path.string(), "could not be read to its end", "is another program writing it?");
  return bytes;
}

// Resized to (h, w) with Keras's bilinear Resizing, rounded back to uint8.
Tensor resized(const Tensor& image, std::array<std::int64_t, 2> size) {
  if (image.dim(0) == size[0] && image.dim(1) == size[1]) return image;
  const Tensor r = resize(image, size);
  Tensor out = Tensor::empty(r.shape(), DType::u8);
  const float* src = r.data<float>();
  std::uint8_t* dst = out.data<std::uint8_t>();
  for (std::int64_t i = 0; i < r.numel(); ++i)
    dst[i] = static_cast<std::uint8_t>(std::clamp(std::lround(src[i]), 0L, 255L));
  return out;
}

[[noreturn]] void no_images(const fs::path& dir, const std::vector<fs::path>& classes) {
  const auto loose = sorted_entries(dir, false);
  const bool flat = classes.empty() && !loose.empty();
  format_error(dir.string(), "image folder",
               {classes.empty() ? "has no class subfolders" : "has no PNG or JPEG images",
                "one subfolder per class holding .png, .jpg or .jpeg files",
                flat ? std::to_string(loose.size()) + " images directly in the folder, no subfolder"
                     : std::to_string(classes.size()) + " subfolder(s) without .png/.jpg/.jpeg files",
                flat ? "image_folder takes each subfolder as one class, so images lying directly "
                       "in the folder have no label"
                     : "image_folder reads only files named .png, .jpg or .jpeg (any case)",
                flat ? "move the images into one subfolder per class (cats/, dogs/, ...)"
                     : "check the path, or convert the images to PNG or JPEG"});
}

}  // namespace

ImageFolder image_folder(const std::string& directory, ImageFolderOptions o, std::source_location loc) {
  const Site where("image_folder", "data", loc);
  checks::check_enum("ImageFolderOptions::color_mode", o.color_mode, "ColorMode", 3,
                     color_mode_name, where, Phase::load);
  if (o.image_size)
    for (int i = 0; i < 2; ++i)
      checks::check_option_positive(std::string("ImageFolderOptions::image_size[") + char('0' + i) + "]",
                                    (*o.image_size)[i], i == 0 ? "the height to resize to"
                                                               : "the width to resize to",
                                    where, Phase::load);
  std::error_code ec;
  if (directory.empty())
    detail::io_error("\"\"", "the path is empty", "pass the folder with one subfolder per class");
  files::check_no_nul("image_folder", directory, false);
  if (!fs::is_directory(directory, ec))
    detail::io_error(directory, fs::exists(directory, ec) ? "is not a directory" : "does not exist",
                     "image_folder takes a folder with one subfolder per class");
  ImageFolder d;
  std::vector<Tensor> images;
  std::vector<std::int32_t> labels;
  const auto classes = sorted_entries(directory, true);
  std::vector<std::vector<fs::path>> files;
  std::size_t count = 0;
  for (const auto& c : classes) {
    files.push_back(class_images(c));
    count += files.back().size();
  }
  for (std::size_t k = 0; k < classes.size(); ++k) {
    d.class_names.push_back(classes[k].filename().string());
    for (const auto& file : files[k]) {
      const std::string rel = fs::relative(file, directory, ec).string();
      Tensor img = decode_image(read_file(file), file.string(), o.color_mode);
      if (images.empty()) {  // the whole batch must fit before any image is resized or kept
        const auto size = o.image_size.value_or(std::array{img.dim(0), img.dim(1)});
        checks::checked_bytes(Shape{static_cast<std::int64_t>(count), size[0], size[1], img.dim(2)},
                              DType::u8, where, Phase::load);
      }
      images.push_back(o.image_size ? resized(img, *o.image_size) : img);
      d.files.push_back(rel.empty() ? file.string() : rel);
      labels.push_back(static_cast<std::int32_t>(k));
      if (!(images.back().shape() == images.front().shape()))
        checks::ragged_images(images.front().shape(), d.files[0], images.back().shape(),
                              d.files[images.size() - 1], where);
    }
  }
  if (images.empty()) no_images(directory, classes);
  Shape batch = images.front().shape();
  batch = Shape{static_cast<std::int64_t>(images.size()), batch[0], batch[1], batch[2]};
  d.images = Tensor::empty(batch, DType::u8);
  const std::size_t each = static_cast<std::size_t>(images.front().numel());
  for (std::size_t i = 0; i < images.size(); ++i)
    std::memcpy(d.images.data<std::uint8_t>() + i * each, images[i].data<std::uint8_t>(), each);
  d.labels = Tensor::from_vector(labels);
  return d;
}

}  // namespace tenet::data
