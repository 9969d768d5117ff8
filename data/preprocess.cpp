#include <tenet/data/preprocess.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>

namespace tenet {

Tensor one_hot(const Tensor& labels, std::int64_t classes, std::source_location loc) {
  const Site site = Site::call("one_hot", "op", loc);
  checks::check_option_positive("one_hot classes", classes, "the width of each one-hot row",
                                site, Phase::run);
  const bool column = labels.rank() == 2 && labels.dim(1) == 1;
  if (labels.rank() != 1 && !column)
    checks::Violation("loss.label_shape", Phase::run, site)
        .summary("one_hot takes one class index per sample")
        .expected("(N,) or (N, 1)").actual(labels.shape())
        .cause(labels.rank() == 2 ? "the labels have " + std::to_string(labels.dim(1)) +
                                        " columns: they may be one-hot already"
                                  : "the labels have rank " + std::to_string(labels.rank()))
        .fix("pass class indices of shape (N,); labels that are one-hot already need no "
             "one_hot").raise();
  const std::int64_t n = labels.dim(0);
  const std::vector<double> v = labels.to_vector<double>();
  Tensor out = Tensor::zeros({n, classes});  // (N, classes) float32
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const double y = v[static_cast<std::size_t>(i)];
    if (std::floor(y) != y)
      checks::Violation("loss.label_dtype", Phase::run, site)
          .summary("a float label is not a whole number")
          .expected("class indices 0.." + std::to_string(classes - 1))
          .actual("label " + std::to_string(y) + " at sample " + std::to_string(i))
          .cause("one_hot needs class indices; these labels look like probabilities or "
                 "regression targets")
          .fix("pass integer class indices, or use the labels as they are with a loss "
               "that takes them").raise();
    if (y < 0 || y >= static_cast<double>(classes))
      checks::Violation("loss.label_range", Phase::run, site)
          .summary("label out of range for " + std::to_string(classes) + " classes")
          .expected("labels in [0, " + std::to_string(classes) + ")")
          .actual("label " + checks::option_value(y) + " at sample " + std::to_string(i))
          .cause(y < 0 ? "a negative label (a missing-value marker such as -1?)"
                       : "the label is >= classes: the labels count from 1, or there are more "
                         "than " + std::to_string(classes) + " classes")
          .fix(y >= 0 && y < 1e9  // never a cast of 1e30 or inf to an integer (undefined)
                   ? "check the label encoding, or call one_hot(labels, " +
                         checks::option_value(y + 1) + ") if there are that many classes"
                   : std::string("check the label encoding")).raise();
    p[i * classes + static_cast<std::int64_t>(y)] = 1.0f;
  }
  return out;
}

Tensor to_float(const Tensor& x, double scale) {
  checks::check_option_finite("to_float scale", scale, Site("to_float", "op"), Phase::run);
  return x.astype(DType::f32) * scale;
}

}  // namespace tenet

namespace tenet::data {

namespace {

struct Geometry {
  std::int64_t n, h, w, c;
};

Geometry geometry(const Tensor& images, const char* op) {
  if (images.rank() != 3 && images.rank() != 4)
    checks::Violation("input.rank", Phase::run, Site(op, "op"))
        .summary(std::string(op) + " takes a batch of images")
        .expected("(N, H, W, C) or (N, H, W)").actual(images.shape())
        .cause(images.rank() == 2 ? "a single grayscale image without its batch axis"
                                  : "rank " + std::to_string(images.rank()) + " is not images")
        .fix("expand_dims(image, 0) for a single image").raise();
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

void check_size(const Tensor& images, std::array<std::int64_t, 2> size, bool grow,
                const char* op) {
  const Geometry g = geometry(images, op);
  const bool bad = size[0] < 0 || size[1] < 0 ||
                   (grow ? (size[0] < g.h || size[1] < g.w) : (size[0] > g.h || size[1] > g.w));
  if (!bad) return;
  checks::Violation("input.shape", Phase::run, Site(op, "op"))
      .summary(std::string(op) + (grow ? " cannot shrink images" : " cannot enlarge images"))
      .expected(std::string(grow ? "a target of at least " : "a target of at most ") +
                std::to_string(g.h) + "x" + std::to_string(g.w))
      .actual(std::to_string(size[0]) + "x" + std::to_string(size[1]))
      .cause("the images are " + images.shape().str())
      .fix(grow ? "use data::center_crop or data::resize to make images smaller"
                : "use data::pad_to or data::resize to make images larger").raise();
}

}  // namespace

Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size) {
  return tenet::resize(images, size);
}

Tensor pad_to(const Tensor& images, std::array<std::int64_t, 2> size) {
  check_size(images, size, true, "pad_to");
  const Geometry g = geometry(images, "pad_to");
  Tensor out = Tensor::zeros(with_size(images, size[0], size[1]), images.dtype());
  copy_window(images, out, 0, 0, (size[0] - g.h) / 2, (size[1] - g.w) / 2, g.h, g.w);
  return out;
}

Tensor center_crop(const Tensor& images, std::array<std::int64_t, 2> size) {
  check_size(images, size, false, "center_crop");
  const Geometry g = geometry(images, "center_crop");
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
