#include <tenet/data/preprocess.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/image_checks.hpp"
#include "core/contracts/label_checks.hpp"
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>

namespace tenet {

Tensor one_hot(const Tensor& labels, std::int64_t classes, std::source_location loc) {
  const Site site = Site::call("one_hot", "op", loc);
  checks::defined(labels, "one_hot's labels", site);
  checks::check_option_positive("one_hot classes", classes, "the width of each one-hot row",
                                site, Phase::run);
  checks::check_one_hot_input(labels.shape(), site);
  const std::int64_t n = labels.dim(0);
  const std::vector<double> v = labels.to_vector<double>();
  Tensor out = Tensor::zeros({n, classes});  // (N, classes) float32
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const double y = v[static_cast<std::size_t>(i)];
    checks::check_class_index(y, i, classes, "one_hot(labels, ", site);
    p[i * classes + static_cast<std::int64_t>(y)] = 1.0f;
  }
  return out;
}

Tensor to_float(const Tensor& x, double scale) {
  const Site site("to_float", "op");
  checks::defined(x, "to_float's x", site);
  checks::check_option_finite("to_float scale", scale, site, Phase::run);
  return x.astype(DType::f32) * scale;
}

}  // namespace tenet

namespace tenet::data {

namespace {

struct Geometry {
  std::int64_t n, h, w, c;
};

Geometry geometry(const Tensor& images, const char* op) {
  checks::defined(images, [&] { return op + std::string("'s images"); }, Site(op, "op"));
  checks::check_image_batch(images.shape(), op);
  return {images.dim(0), images.dim(1), images.dim(2), images.rank() == 4 ? images.dim(3) : 1};
}

Shape with_size(const Tensor& images, std::int64_t h, std::int64_t w) {
  return images.shape().with(1, h).with(2, w);
}

// Copies a rows x cols window: src (N, H, W, C) at (sy, sx) -> dst (N, H', W', C) at (dy, dx).
void copy_window(const Tensor& src, Tensor& dst, std::int64_t sy, std::int64_t sx,
                 std::int64_t dy, std::int64_t dx, std::int64_t rows, std::int64_t cols) {
  const Geometry s = geometry(src, "copy"), d = geometry(dst, "copy");
  const std::size_t px = static_cast<std::size_t>(s.c) * dtype_size(src.dtype());
  const auto* sp = static_cast<const std::byte*>(src.raw_data());
  auto* dp = static_cast<std::byte*>(dst.raw_data());
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t y = 0; y < rows; ++y)
      std::memcpy(dp + ((n * d.h + dy + y) * d.w + dx) * px,
                  sp + ((n * s.h + sy + y) * s.w + sx) * px, static_cast<std::size_t>(cols) * px);
}

}  // namespace

Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size) {
  return tenet::resize(images, size);
}

Tensor pad_to(const Tensor& images, std::array<std::int64_t, 2> size) {
  const Geometry g = geometry(images, "pad_to");
  checks::check_crop_or_pad(images.shape(), size, true, "pad_to");
  Tensor out = Tensor::zeros(with_size(images, size[0], size[1]), images.dtype());
  copy_window(images, out, 0, 0, (size[0] - g.h) / 2, (size[1] - g.w) / 2, g.h, g.w);
  return out;
}

Tensor center_crop(const Tensor& images, std::array<std::int64_t, 2> size) {
  const Geometry g = geometry(images, "center_crop");
  checks::check_crop_or_pad(images.shape(), size, false, "center_crop");
  Tensor out = Tensor::empty(with_size(images, size[0], size[1]), images.dtype());
  copy_window(images, out, (g.h - size[0]) / 2, (g.w - size[1]) / 2, 0, 0, size[0], size[1]);
  return out;
}

Tensor random_flip_left_right(const Tensor& images, std::uint64_t seed) {
  const Geometry g = geometry(images, "random_flip_left_right");
  Tensor out = images.detach().clone();
  const std::size_t px = static_cast<std::size_t>(g.c) * dtype_size(images.dtype());
  const auto* sp = static_cast<const std::byte*>(images.raw_data());
  auto* dp = static_cast<std::byte*>(out.raw_data());
  std::mt19937_64 rng(seed);
  for (std::int64_t n = 0; n < g.n; ++n) {
    if ((rng() >> 63) == 0) continue;  // keep this image
    for (std::int64_t y = 0; y < g.h; ++y)
      for (std::int64_t x = 0; x < g.w; ++x)
        std::memcpy(dp + ((n * g.h + y) * g.w + x) * px,
                    sp + ((n * g.h + y) * g.w + (g.w - 1 - x)) * px, px);
  }
  return out;
}

}  // namespace tenet::data
