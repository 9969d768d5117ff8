// Projective image transforms (TensorFlow's ImageProjectiveTransformV3, which
// keras.ops.image.affine_transform calls) and per-sample flips, with their gradients.
// Layout everywhere: images (N, H, W, C) float32, row-major, channels last.
#include <tenet/core/ops/image.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/enum_checks.hpp"

namespace tenet {

namespace {

// sz * (trunc(q) + plus) as a float, computed as TensorFlow does (a 64-bit integer product)
// wherever that is defined. Where it is not (q NaN, or so large that the conversion or the
// product overflows: coordinates near float's range, from a near-zero projection), q
// saturates instead, so every float maps to some coordinate.
float multiple(std::int64_t sz, float q, std::int64_t plus = 0) {
  if (std::isnan(q)) return 0.0f;
  const float limit = static_cast<float>(std::numeric_limits<std::int64_t>::max() / sz / 4);
  const auto t = static_cast<std::int64_t>(std::fmin(std::fmax(q, -limit), limit));
  return static_cast<float>(sz * (t + plus));
}

// Maps a sampling coordinate outside [0, len - 1] back inside, exactly as TensorFlow's
// MapCoordinate (float arithmetic, 64-bit integer multiples, the final clamp included).
float map_coordinate(float c, std::int64_t len, FillMode mode) {
  const float last = static_cast<float>(len - 1);
  switch (mode) {
    case FillMode::constant:
      return c;
    case FillMode::nearest:
      return std::fmin(std::fmax(c, 0.0f), last);
    case FillMode::reflect:
      if (c < 0) {
        if (len <= 1) return 0.0f;
        const std::int64_t sz2 = 2 * len;
        if (c < static_cast<float>(sz2))  // always true here: TensorFlow's own test, kept
          c = multiple(sz2, -c / static_cast<float>(sz2)) + c;
        c = c < static_cast<float>(-len) ? c + static_cast<float>(sz2) : -c - 1;
      } else if (c > last) {
        if (len <= 1) return 0.0f;
        const std::int64_t sz2 = 2 * len;
        c -= multiple(sz2, c / static_cast<float>(sz2));
        if (c >= static_cast<float>(len)) c = static_cast<float>(sz2) - c - 1;
      }
      return std::fmin(std::fmax(c, 0.0f), last);
    case FillMode::wrap:
      if (c < 0) {
        if (len <= 1) return 0.0f;
        const std::int64_t sz = len - 1;
        c += multiple(len, -c / static_cast<float>(sz), 1);
      } else if (c > last) {
        if (len <= 1) return 0.0f;
        const std::int64_t sz = len - 1;
        c -= multiple(len, c / static_cast<float>(sz));
      }
      return std::fmin(std::fmax(c, 0.0f), last);
  }
  return c;
}

struct Geometry {
  std::int64_t n, h, w, c;
};

// The up to four input pixels one output pixel reads, with their weights. index -1 is a read
// outside the image (worth fill_value). For nearest, only tap 0 is used with weight 1.
struct Taps {
  std::int64_t index[4];  // pixel offset y * W + x within the image, or -1
  float weight[4];
  bool fill_all;  // the projection is 0: TensorFlow returns fill_value outright
};

Taps taps_of(const ImageTransform& t, std::int64_t ox, std::int64_t oy, const Geometry& g,
             const AffineTransformOptions& o) {
  Taps taps{{-1, -1, -1, -1}, {0, 0, 0, 0}, false};
  const float fx = static_cast<float>(ox), fy = static_cast<float>(oy);
  const float projection = t[6] * fx + t[7] * fy + 1.f;
  if (projection == 0) {
    taps.fill_all = true;
    return taps;
  }
  const float in_x = (t[0] * fx + t[1] * fy + t[2]) / projection;
  const float in_y = (t[3] * fx + t[4] * fy + t[5]) / projection;
  const float x = map_coordinate(in_x, g.w, o.fill_mode);
  const float y = map_coordinate(in_y, g.h, o.fill_mode);
  // A point left far outside (constant mode) from 2^24 on, where floats are more than a pixel
  // apart, or NaN (inf / inf): TensorFlow's bilinear weights x1 - x and x - x0 are both 0 there,
  // giving 0 instead of the fill value, and its integer conversions are undefined beyond 2^63.
  constexpr float kExact = 16777216.0f;  // 2^24
  if (!(std::fabs(x) < kExact && std::fabs(y) < kExact)) {
    taps.fill_all = true;
    return taps;
  }
  auto at = [&](float py, float px) -> std::int64_t {  // |py|, |px| < 2^24: the casts are defined
    const auto iy = static_cast<std::int64_t>(py), ix = static_cast<std::int64_t>(px);
    return 0 <= iy && iy < g.h && 0 <= ix && ix < g.w ? iy * g.w + ix : -1;
  };
  if (o.interpolation == Interpolation::nearest) {
    taps.index[0] = at(std::round(y), std::round(x));
    taps.weight[0] = 1.0f;
    return taps;
  }
  const float y0 = std::floor(y), x0 = std::floor(x), y1 = y0 + 1, x1 = x0 + 1;
  taps.index[0] = at(y0, x0), taps.index[1] = at(y0, x1);
  taps.index[2] = at(y1, x0), taps.index[3] = at(y1, x1);
  taps.weight[0] = x1 - x, taps.weight[1] = x - x0;  // along x, then y (TensorFlow's order)
  taps.weight[2] = y1 - y, taps.weight[3] = y - y0;
  return taps;
}

// x: one image (H, W, C); out: one output pixel's C values.
void sample(const float* x, const Taps& tp, const Geometry& g, const AffineTransformOptions& o,
            float* out) {
  for (std::int64_t c = 0; c < g.c; ++c) {
    auto read = [&](int k) { return tp.index[k] < 0 ? o.fill_value : x[tp.index[k] * g.c + c]; };
    if (tp.fill_all) {
      out[c] = o.fill_value;
    } else if (o.interpolation == Interpolation::nearest) {
      out[c] = read(0);
    } else {
      const float top = tp.weight[0] * read(0) + tp.weight[1] * read(1);
      const float bottom = tp.weight[0] * read(2) + tp.weight[1] * read(3);
      out[c] = tp.weight[2] * top + tp.weight[3] * bottom;
    }
  }
}

// The adjoint of `sample`: dout's C values go back to the pixels read (fill reads get none).
void scatter(const float* dout, const Taps& tp, const Geometry& g,
             const AffineTransformOptions& o, float* dx) {
  if (tp.fill_all) return;
  const bool nearest = o.interpolation == Interpolation::nearest;
  for (int k = 0; k < (nearest ? 1 : 4); ++k) {
    if (tp.index[k] < 0) continue;
    const float w = nearest ? 1.0f : tp.weight[k % 2] * tp.weight[2 + k / 2];
    for (std::int64_t c = 0; c < g.c; ++c) dx[tp.index[k] * g.c + c] += w * dout[c];
  }
}

const ImageTransform& transform_of(const std::vector<ImageTransform>& t, std::int64_t n) {
  return t.size() == 1 ? t[0] : t[static_cast<std::size_t>(n)];
}

// images: a float32 batch (N, H, W, C).
void check_images(const Tensor& images, const Site& site) {
  checks::defined(images, "the images given to " + site.name, site);
  checks::check_rank(images.shape(), 4, "input.rank", site, Phase::run,
                     "(N, height, width, channels)", site.name + " works on a batch of images",
                     "expand_dims(x, 0) for one image, expand_dims(x, -1) for a missing channel axis");
  checks::check_dtype(images.dtype(), DType::f32, "input.dtype", site, Phase::run,
                      site.name + " computes in float32",
                      "x.astype(DType::f32), scaled as the model expects");
}

void check_transforms(const Shape& s, const std::vector<ImageTransform>& t, const Site& site) {
  for (std::size_t row = 0; row < t.size(); ++row)
    for (std::size_t k = 0; k < t[row].size(); ++k)
      if (!std::isfinite(t[row][k]))
        checks::invalid_option(
            "affine_transform transforms[" + std::to_string(row) + "][" + std::to_string(k) + "]",
            checks::option_value(t[row][k]), "a finite number", site, Phase::run,
            "a transform with a NaN or infinite entry maps every output pixel to no input point, "
            "so the image would come out NaN or blank",
            "check the computation that built the matrix (an angle or a zoom factor that is "
            "NaN, a division by 0)");
  const std::size_t count = t.size();
  if (count == 1 || static_cast<std::int64_t>(count) == s[0]) return;
  checks::invalid_option("affine_transform transforms", std::to_string(count) + " rows",
                         "one row, or one per image (" + std::to_string(s[0]) + ")", site,
                         Phase::run, "each image of the batch needs its own transform",
                         "pass one transform for all images or one per image");
}

// Enumerators that exist, and a fill value float32 holds (as RandomTranslation and the other
// layers refuse): NaN or inf would fill the border with NaN or inf.
void check_options(const AffineTransformOptions& o, const Site& site) {
  checks::check_enum("AffineTransformOptions::fill_mode", o.fill_mode, "FillMode", 4,
                     fill_mode_name, site, Phase::run);
  checks::check_enum("AffineTransformOptions::interpolation", o.interpolation, "Interpolation", 2,
                     interpolation_name, site, Phase::run);
  checks::check_option_finite("AffineTransformOptions::fill_value", o.fill_value, site,
                              Phase::run);
}

}  // namespace

const char* fill_mode_name(FillMode m) {
  switch (m) {
    case FillMode::reflect: return "reflect";
    case FillMode::wrap: return "wrap";
    case FillMode::constant: return "constant";
    case FillMode::nearest: return "nearest";
  }
  return "?";
}

const char* interpolation_name(Interpolation i) {
  return i == Interpolation::nearest ? "nearest" : "bilinear";
}

Tensor affine_transform(const Tensor& images, const std::vector<ImageTransform>& transforms,
                        AffineTransformOptions o) {
  const Site site("affine_transform", "op");
  check_images(images, site);
  check_transforms(images.shape(), transforms, site);
  check_options(o, site);
  const Shape s = images.shape();
  const Geometry g{s[0], s[1], s[2], s[3]};
  Tensor y = Tensor::empty(s, DType::f32);
  const float* x = images.data<float>();
  float* out = y.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t oy = 0; oy < g.h; ++oy)
      for (std::int64_t ox = 0; ox < g.w; ++ox)
        sample(x + n * g.h * g.w * g.c, taps_of(transform_of(transforms, n), ox, oy, g, o), g, o,
               out + ((n * g.h + oy) * g.w + ox) * g.c);
  return attach_grad(y, "affine_transform", {images}, [g, transforms, o, s](const Tensor& dout) {
    Tensor d = dout.dtype() == DType::f32 ? dout : dout.astype(DType::f32);
    Tensor dx = Tensor::zeros(s, DType::f32);
    const float* dy = d.data<float>();
    float* dxp = dx.data<float>();
#pragma omp parallel for schedule(static)
    for (std::int64_t n = 0; n < g.n; ++n)  // each sample writes only its own dx image
      for (std::int64_t oy = 0; oy < g.h; ++oy)
        for (std::int64_t ox = 0; ox < g.w; ++ox)
          scatter(dy + ((n * g.h + oy) * g.w + ox) * g.c,
                  taps_of(transform_of(transforms, n), ox, oy, g, o), g, o,
                  dxp + n * g.h * g.w * g.c);
    return std::vector<Tensor>{dx};
  });
}

namespace {

// x, y: (N, H, W, C); y[n] is x[n] reversed along the chosen axes when which[n].
void flip_kernel(const float* x, float* y, const Geometry& g, const std::vector<bool>& which,
                 bool horizontal, bool vertical) {
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t r = 0; r < g.h; ++r) {
      const bool f = which[static_cast<std::size_t>(n)];
      const std::int64_t sr = f && vertical ? g.h - 1 - r : r;
      for (std::int64_t col = 0; col < g.w; ++col) {
        const std::int64_t sc = f && horizontal ? g.w - 1 - col : col;
        const float* from = x + ((n * g.h + sr) * g.w + sc) * g.c;
        float* to = y + ((n * g.h + r) * g.w + col) * g.c;
        for (std::int64_t c = 0; c < g.c; ++c) to[c] = from[c];
      }
    }
}

}  // namespace

Tensor flip_images(const Tensor& images, const std::vector<bool>& which, bool horizontal,
                   bool vertical) {
  const Site site("flip_images", "op");
  check_images(images, site);
  const Shape s = images.shape();
  if (static_cast<std::int64_t>(which.size()) != s[0])
    checks::invalid_option("flip_images which", std::to_string(which.size()) + " entries",
                           "one per image (" + std::to_string(s[0]) + ")", site, Phase::run);
  const Geometry g{s[0], s[1], s[2], s[3]};
  Tensor y = Tensor::empty(s, DType::f32);
  flip_kernel(images.data<float>(), y.data<float>(), g, which, horizontal, vertical);
  // A flip is its own inverse (a permutation of pixels), so the gradient is the same flip.
  return attach_grad(y, "flip_images", {images}, [g, which, horizontal, vertical](const Tensor& dout) {
    Tensor d = dout.dtype() == DType::f32 ? dout : dout.astype(DType::f32);
    Tensor dx = Tensor::empty(d.shape(), DType::f32);
    flip_kernel(d.data<float>(), dx.data<float>(), g, which, horizontal, vertical);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace tenet
