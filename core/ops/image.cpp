// Bilinear resizing with half-pixel centres (TensorFlow's ResizeBilinear, half_pixel_centers
// = true) and its gradient, which spreads each output gradient back on its four neighbours.
#include <tenet/core/ops/image.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/image_checks.hpp"

namespace tenet {

namespace {

// Where output index `o` samples along one axis: two source indices and the weight of the
// upper one. TF computes in = (o + 0.5) * scale - 0.5 and clamps the indices, not `in`, but
// both give the same value since the two indices coincide outside [0, in_size - 1]. Both
// indices are clamped into the axis: from 2^24 on, float rounding can put `in` at in_size
// itself, and TensorFlow's lower index then reads one pixel past the axis.
struct Tap {
  std::int64_t lo, hi;
  float w;  // weight of `hi`; `lo` gets 1 - w
};

std::vector<Tap> taps(std::int64_t in_size, std::int64_t out_size) {
  std::vector<Tap> t(static_cast<std::size_t>(out_size));
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  for (std::int64_t o = 0; o < out_size; ++o) {
    const float in = (static_cast<float>(o) + 0.5f) * scale - 0.5f;
    const float fl = std::floor(in);
    Tap& tap = t[static_cast<std::size_t>(o)];
    tap.lo = std::clamp<std::int64_t>(static_cast<std::int64_t>(fl), 0, in_size - 1);
    tap.hi = std::min<std::int64_t>(static_cast<std::int64_t>(std::ceil(in)), in_size - 1);
    tap.w = in - fl;
  }
  return t;
}

struct Geometry {
  std::int64_t n, h, w, c, oh, ow;
};

// x: (N, H, W, C) float32; y: (N, OH, OW, C) float32.
void resize_forward(const float* x, float* y, const Geometry& g, const std::vector<Tap>& ty,
                    const std::vector<Tap>& tx) {
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t oy = 0; oy < g.oh; ++oy) {
      const Tap& a = ty[static_cast<std::size_t>(oy)];
      const float* top = x + (n * g.h + a.lo) * g.w * g.c;
      const float* bot = x + (n * g.h + a.hi) * g.w * g.c;
      float* out = y + (n * g.oh + oy) * g.ow * g.c;
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        const Tap& b = tx[static_cast<std::size_t>(ox)];
        for (std::int64_t c = 0; c < g.c; ++c) {
          // The same order of operations as TF's compute_lerp.
          const float tl = top[b.lo * g.c + c], tr = top[b.hi * g.c + c];
          const float bl = bot[b.lo * g.c + c], br = bot[b.hi * g.c + c];
          const float t = tl + (tr - tl) * b.w;
          const float bt = bl + (br - bl) * b.w;
          out[ox * g.c + c] = t + (bt - t) * a.w;
        }
      }
    }
}

// dy: (N, OH, OW, C) float32; dx: (N, H, W, C) float32, zeroed by the caller.
void resize_backward(const float* dy, float* dx, const Geometry& g, const std::vector<Tap>& ty,
                     const std::vector<Tap>& tx) {
#pragma omp parallel for schedule(static)
  for (std::int64_t n = 0; n < g.n; ++n)  // samples never share dx rows: no race
    for (std::int64_t oy = 0; oy < g.oh; ++oy) {
      const Tap& a = ty[static_cast<std::size_t>(oy)];
      float* top = dx + (n * g.h + a.lo) * g.w * g.c;
      float* bot = dx + (n * g.h + a.hi) * g.w * g.c;
      const float* d = dy + (n * g.oh + oy) * g.ow * g.c;
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        const Tap& b = tx[static_cast<std::size_t>(ox)];
        for (std::int64_t c = 0; c < g.c; ++c) {
          const float v = d[ox * g.c + c];
          top[b.lo * g.c + c] += v * (1 - a.w) * (1 - b.w);
          top[b.hi * g.c + c] += v * (1 - a.w) * b.w;
          bot[b.lo * g.c + c] += v * a.w * (1 - b.w);
          bot[b.hi * g.c + c] += v * a.w * b.w;
        }
      }
    }
}

}  // namespace

Tensor resize(const Tensor& images, std::array<std::int64_t, 2> size) {
  const Site site("resize", "op");
  checks::defined(images, "the images given to resize", site);
  const Shape& s = images.shape();
  checks::check_resize_args(s, size, site);
  const bool batched = s.rank() == 4;
  Geometry g{batched ? s[0] : 1, s.dim(-3), s.dim(-2), s.dim(-1), size[0], size[1]};
  Tensor x = images.dtype() == DType::f32 ? images : images.detach().astype(DType::f32);
  Shape out_shape = batched ? Shape{g.n, g.oh, g.ow, g.c} : Shape{g.oh, g.ow, g.c};
  Tensor y = Tensor::empty(out_shape, DType::f32);
  auto ty = taps(g.h, g.oh), tx = taps(g.w, g.ow);
  resize_forward(x.data<float>(), y.data<float>(), g, ty, tx);
  if (images.dtype() != DType::f32) return y;  // integer images carry no gradient
  return attach_grad(y, "resize", {images}, [g, ty, tx, s](const Tensor& dout) {
    Tensor d = dout.dtype() == DType::f32 ? dout : dout.astype(DType::f32);
    Tensor dx = Tensor::zeros(s, DType::f32);
    resize_backward(d.data<float>(), dx.data<float>(), g, ty, tx);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace tenet
