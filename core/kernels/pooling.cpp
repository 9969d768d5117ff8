#include "core/kernels/pooling.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/kernels/context.hpp"
#include "core/kernels/parallel.hpp"
#include "core/kernels/pooling_avx512.hpp"

namespace tenet::kernels {

using dnnl::memory;
using tag = memory::format_tag;

std::optional<LaneBlocks> lane_blocks(const memory::desc& d) {
  if (d.data.ndims != 4 || d.data.data_type != dnnl_f32) return std::nullopt;
  const memory::dims dims = d.dims();
  LaneBlocks b;
  b.n = dims[0];
  b.h = dims[2];
  b.w = dims[3];
  const std::int64_t c = dims[1];
  for (tag t : {tag::aBcd16b, tag::nhwc, tag::aBcd8b, tag::aBcd4b, tag::nchw}) {
    if (d != memory::desc(dims, memory::data_type::f32, t)) continue;
    b.format = t;
    b.lanes = t == tag::nhwc    ? std::max<std::int64_t>(c, 1)  // no channels: no blocks
              : t == tag::nchw    ? 1
              : t == tag::aBcd16b ? 16
              : t == tag::aBcd8b  ? 8
                                  : 4;
    b.blocks = (c + b.lanes - 1) / b.lanes;
    return b;
  }
  return std::nullopt;
}

LaneBlocks with_size(const LaneBlocks& like, std::int64_t h, std::int64_t w) {
  LaneBlocks b = like;
  b.h = h;
  b.w = w;
  return b;
}

memory::desc desc_of(const LaneBlocks& b, std::int64_t channels) {
  return memory::desc({b.n, channels, b.h, b.w}, memory::data_type::f32, b.format);
}

namespace {

// One window of one output: the cells of x it covers (clipped to x).
struct Cells {
  std::int64_t h0, w0, hs, he, ws, we;  // h0/w0: the window's corner, possibly outside x
};

Cells cells_of(std::int64_t oh, std::int64_t ow, const LaneBlocks& xb, const PoolWindow& w) {
  Cells c;
  c.h0 = oh * w.sh - w.pad_top;
  c.w0 = ow * w.sw - w.pad_left;
  c.hs = std::max<std::int64_t>(c.h0, 0);
  c.he = std::min(c.h0 + w.kh, xb.h);
  c.ws = std::max<std::int64_t>(c.w0, 0);
  c.we = std::min(c.w0 + w.kw, xb.w);
  return c;
}

// kNoGradient marks an output that passes no gradient back (see max_pool_forward).
template <class Index>
constexpr Index kNoGradient = static_cast<Index>(-1);

// L lanes at a time: 16 (one AVX-512 register of floats) when the block allows, else 1.
template <int L, class Index>
void forward_lanes(const float* x, const LaneBlocks& xb, float* y, const LaneBlocks& yb,
                   Index* argmax, const PoolWindow& w, bool relu_input) {
  const std::int64_t lanes = xb.lanes;
  // Over rows too, not only planes: one image has a single plane when its channels fit one
  // block, and predicting one image would run on one thread.
  parallel_rows(xb.n * xb.blocks, yb.h, [&](std::int64_t p, std::int64_t oh) {
    const float* px = x + p * xb.plane();
    float* py = y + p * yb.plane();
    Index* pa = argmax ? argmax + p * yb.plane() : nullptr;
    for (std::int64_t ow = 0; ow < yb.w; ++ow) {
      const Cells c = cells_of(oh, ow, xb, w);
      const std::int64_t out = (oh * yb.w + ow) * lanes;
      for (std::int64_t j0 = 0; j0 < lanes; j0 += L) {
        float m[L];
        Index k[L];
        const float* first = px + (c.hs * xb.w + c.ws) * lanes + j0;
        const Index first_k = static_cast<Index>((c.hs - c.h0) * w.kw + (c.ws - c.w0));
#pragma omp simd
        for (int j = 0; j < L; ++j) {
          m[j] = first[j];
          k[j] = first_k;
        }
        for (std::int64_t i = c.hs; i < c.he; ++i)
          for (std::int64_t q = c.ws; q < c.we; ++q) {
            if (i == c.hs && q == c.ws) continue;
            const float* cell = px + (i * xb.w + q) * lanes + j0;
            const Index idx = static_cast<Index>((i - c.h0) * w.kw + (q - c.w0));
#pragma omp simd
            for (int j = 0; j < L; ++j)
              if (cell[j] > m[j]) {
                m[j] = cell[j];
                k[j] = idx;
              }
          }
#pragma omp simd
        for (int j = 0; j < L; ++j) py[out + j0 + j] = m[j];
        if (pa) {
#pragma omp simd
          for (int j = 0; j < L; ++j)
            pa[out + j0 + j] = relu_input && !(m[j] > 0.0f) ? kNoGradient<Index> : k[j];
        }
      }
    }
  });
}

template <int L, class Index>
void backward_lanes(const float* dy, const LaneBlocks& yb, const Index* argmax, float* dx,
                    const LaneBlocks& xb, const PoolWindow& w) {
  const std::int64_t lanes = xb.lanes;
  // Windows that never share a cell write their cells; overlapping ones add.
  const bool disjoint = w.sh >= w.kh && w.sw >= w.kw;
#pragma omp parallel for schedule(static)
  for (std::int64_t p = 0; p < xb.n * xb.blocks; ++p) {
    float* px = dx + p * xb.plane();
    const float* pg = dy + p * yb.plane();
    const Index* pa = argmax + p * yb.plane();
    // Cells in no window (the rows and columns a valid window leaves over) stay zero.
    std::memset(px, 0, static_cast<std::size_t>(xb.plane()) * sizeof(float));
    for (std::int64_t oh = 0; oh < yb.h; ++oh)
      for (std::int64_t ow = 0; ow < yb.w; ++ow) {
        const Cells c = cells_of(oh, ow, xb, w);
        const std::int64_t out = (oh * yb.w + ow) * lanes;
        for (std::int64_t i = c.hs; i < c.he; ++i)
          for (std::int64_t q = c.ws; q < c.we; ++q) {
            float* cell = px + (i * xb.w + q) * lanes;
            const Index idx = static_cast<Index>((i - c.h0) * w.kw + (q - c.w0));
            for (std::int64_t j0 = 0; j0 < lanes; j0 += L) {
              const float* g = pg + out + j0;
              const Index* a = pa + out + j0;
              float* d = cell + j0;
              if (disjoint) {
#pragma omp simd
                for (int j = 0; j < L; ++j) d[j] = a[j] == idx ? g[j] : 0.0f;
              } else {
#pragma omp simd
                for (int j = 0; j < L; ++j) d[j] += a[j] == idx ? g[j] : 0.0f;
              }
            }
          }
      }
  }
}

// The common case (Keras's default MaxPooling2D()): 2x2 windows, stride 2, no padding, 16
// lanes at a time, one row of outputs per call: outputs (oh, 0..ow) of one plane from its input
// rows 2 oh (x0) and 2 oh + 1 (x1), `lanes` floats a cell. The four cells are read in one pass
// so the maxima stay in registers; the general loops above measured four times slower on this
// shape. On a CPU with AVX-512 the rows of one-byte positions run on pooling_avx512.cpp's
// copies, written with intrinsics: the same comparisons in the same order, so the same bits.
template <class Index>
void forward_row_2x2(const float* x0, const float* x1, float* y, Index* argmax, std::int64_t ow,
                     std::int64_t lanes, bool relu_input) {
  for (std::int64_t o = 0; o < ow; ++o)
    for (std::int64_t j0 = 0; j0 < lanes; j0 += 16) {
      const float* a = x0 + 2 * o * lanes + j0;
      const float* b = a + lanes;
      const float* c = x1 + 2 * o * lanes + j0;
      const float* d = c + lanes;
      float* out = y + o * lanes + j0;
      if (!argmax) {  // inference: the same maximum (the same comparisons), no positions
#pragma omp simd
        for (int j = 0; j < 16; ++j) {
          float m = a[j];
          if (b[j] > m) m = b[j];
          if (c[j] > m) m = c[j];
          if (d[j] > m) m = d[j];
          out[j] = m;
        }
        continue;
      }
      Index* k = argmax + o * lanes + j0;
#pragma omp simd
      for (int j = 0; j < 16; ++j) {
        float m = a[j];
        Index i = 0;
        if (b[j] > m) { m = b[j]; i = 1; }
        if (c[j] > m) { m = c[j]; i = 2; }
        if (d[j] > m) { m = d[j]; i = 3; }
        out[j] = m;
        k[j] = relu_input && !(m > 0.0f) ? kNoGradient<Index> : i;
      }
    }
}

// dx rows 2 oh (dx0) and 2 oh + 1 (dx1) of one plane from output row oh: each cell gets dy
// where it held its window's maximum, else 0. dy_step: floats from one output's dy to the
// next (lanes when dy lies like y, the channel count when it is row-major).
template <class Index>
void backward_row_2x2(const float* dy, std::int64_t dy_step, const Index* argmax, float* dx0,
                      float* dx1, std::int64_t ow, std::int64_t lanes) {
  for (std::int64_t o = 0; o < ow; ++o)
    for (std::int64_t j0 = 0; j0 < lanes; j0 += 16) {
      float* a = dx0 + 2 * o * lanes + j0;
      float* b = a + lanes;
      float* c = dx1 + 2 * o * lanes + j0;
      float* d = c + lanes;
      const float* g = dy + o * dy_step + j0;
      const Index* k = argmax + o * lanes + j0;
#pragma omp simd
      for (int j = 0; j < 16; ++j) {
        const float v = g[j];
        const Index i = k[j];
        a[j] = i == 0 ? v : 0.0f;
        b[j] = i == 1 ? v : 0.0f;
        c[j] = i == 2 ? v : 0.0f;
        d[j] = i == 3 ? v : 0.0f;
      }
    }
}

// Whether the AVX-512 rows run (use_avx512_rows): the CPU has them, unless a test said no.
std::atomic<bool> g_avx512_rows{avx512_rows_supported()};

template <class Index>
void forward_2x2(const float* x, const LaneBlocks& xb, float* y, const LaneBlocks& yb,
                 Index* argmax, bool relu_input) {
  const std::int64_t lanes = xb.lanes, row = xb.w * lanes;
  const bool wide = std::is_same_v<Index, std::uint8_t> && g_avx512_rows.load();
  // Over rows too, not only planes: one image has a single plane when its channels fit one
  // block, and predicting one image would run on one thread.
  parallel_rows(xb.n * xb.blocks, yb.h, [&](std::int64_t p, std::int64_t oh) {
    const float* x0 = x + p * xb.plane() + 2 * oh * row;
    float* yr = y + p * yb.plane() + oh * yb.w * lanes;
    Index* k = argmax ? argmax + p * yb.plane() + oh * yb.w * lanes : nullptr;
    if constexpr (std::is_same_v<Index, std::uint8_t>)
      if (wide) {
        forward_row_2x2_avx512(x0, x0 + row, yr, k, yb.w, lanes, relu_input);
        return;
      }
    forward_row_2x2(x0, x0 + row, yr, k, yb.w, lanes, relu_input);
  });
}

// dy_channels: 0 when dy lies like y, else the channel count of a row-major dy (N, OH, OW, C).
template <class Index>
void backward_2x2(const float* dy, const LaneBlocks& yb, const Index* argmax, float* dx,
                  const LaneBlocks& xb, std::int64_t dy_channels) {
  const std::int64_t lanes = xb.lanes, row = xb.w * lanes;
  const std::int64_t step = dy_channels ? dy_channels : lanes;
  const bool wide = std::is_same_v<Index, std::uint8_t> && g_avx512_rows.load();
  // Rows of outputs in parallel too: each writes its own two rows of dx.
  parallel_rows(xb.n * xb.blocks, yb.h, [&](std::int64_t p, std::int64_t oh) {
    float* px = dx + p * xb.plane();
    // block p % blocks of image p / blocks: its lanes in a row-major dy start at that block
    const float* g = dy_channels ? dy + ((p / xb.blocks) * yb.h + oh) * yb.w * dy_channels +
                                       (p % xb.blocks) * lanes
                                 : dy + p * yb.plane() + oh * yb.w * lanes;
    const Index* k = argmax + p * yb.plane() + oh * yb.w * lanes;
    float* dx0 = px + 2 * oh * row;
    if constexpr (std::is_same_v<Index, std::uint8_t>) {
      if (wide)
        backward_row_2x2_avx512(g, step, k, dx0, dx0 + row, yb.w, lanes);
      else
        backward_row_2x2(g, step, k, dx0, dx0 + row, yb.w, lanes);
    } else {
      backward_row_2x2(g, step, k, dx0, dx0 + row, yb.w, lanes);
    }
    // an odd width leaves a last column in no window
    for (std::int64_t r = 2 * oh; r < 2 * oh + 2; ++r)
      std::memset(px + (r * xb.w + 2 * yb.w) * lanes, 0,
                  static_cast<std::size_t>((xb.w - 2 * yb.w) * lanes) * sizeof(float));
    // and an odd height a last row
    if (oh == yb.h - 1)
      std::memset(px + 2 * yb.h * row, 0,
                  static_cast<std::size_t>((xb.h - 2 * yb.h) * row) * sizeof(float));
  });
}

// Every window inside x ("same" padding may add a last row or column of windows that reach
// past it, with nothing padded before).
bool is_2x2(const LaneBlocks& xb, const LaneBlocks& yb, const PoolWindow& w) {
  return xb.lanes % 16 == 0 && w.kh == 2 && w.kw == 2 && w.sh == 2 && w.sw == 2 &&
         w.pad_top == 0 && w.pad_left == 0 && 2 * yb.h <= xb.h && 2 * yb.w <= xb.w;
}

template <class Index>
void forward(const float* x, const LaneBlocks& xb, float* y, const LaneBlocks& yb, Index* argmax,
             const PoolWindow& w, bool relu_input) {
  if (is_2x2(xb, yb, w))
    forward_2x2(x, xb, y, yb, argmax, relu_input);
  else if (xb.lanes % 16 == 0)
    forward_lanes<16>(x, xb, y, yb, argmax, w, relu_input);
  else
    forward_lanes<1>(x, xb, y, yb, argmax, w, relu_input);
}

template <class Index>
void backward(const float* dy, const LaneBlocks& yb, const Index* argmax, float* dx,
              const LaneBlocks& xb, const PoolWindow& w, std::int64_t dy_channels) {
  if (is_2x2(xb, yb, w))
    backward_2x2(dy, yb, argmax, dx, xb, dy_channels);
  else if (xb.lanes % 16 == 0)
    backward_lanes<16>(dy, yb, argmax, dx, xb, w);
  else
    backward_lanes<1>(dy, yb, argmax, dx, xb, w);
}

}  // namespace

bool use_avx512_rows(bool wanted) {
  g_avx512_rows.store(wanted && avx512_rows_supported());
  return g_avx512_rows.load();
}

std::size_t argmax_bytes(const PoolWindow& w) {
  // kh <= INT32_MAX / kw exactly when the window's kh * kw cells fit int32 (no overflow to ask).
  if (w.kh > std::numeric_limits<std::int32_t>::max() / w.kw) return 8;
  return w.kh * w.kw < 255 ? 1 : 4;
}

void max_pool_forward(const float* x, const LaneBlocks& xb, float* y, const LaneBlocks& yb,
                      void* argmax, const PoolWindow& w, bool relu_input) {
  FloatModeScope mode;  // denormals flushed, as in every oneDNN kernel tenet runs
  const std::size_t bytes = argmax_bytes(w);
  if (bytes == 1)
    forward(x, xb, y, yb, static_cast<std::uint8_t*>(argmax), w, relu_input);
  else if (bytes == 4)
    forward(x, xb, y, yb, static_cast<std::int32_t*>(argmax), w, relu_input);
  else
    forward(x, xb, y, yb, static_cast<std::int64_t*>(argmax), w, relu_input);
}

bool reads_row_major_dy(const LaneBlocks& xb, const LaneBlocks& yb, const PoolWindow& w,
                        std::int64_t channels) {
  return is_2x2(xb, yb, w) && channels == xb.blocks * xb.lanes;
}

void max_pool_backward(const float* dy, const LaneBlocks& yb, const void* argmax, float* dx,
                       const LaneBlocks& xb, const PoolWindow& w, std::int64_t dy_channels) {
  FloatModeScope mode;
  const std::size_t bytes = argmax_bytes(w);
  if (bytes == 1)
    backward(dy, yb, static_cast<const std::uint8_t*>(argmax), dx, xb, w, dy_channels);
  else if (bytes == 4)
    backward(dy, yb, static_cast<const std::int32_t*>(argmax), dx, xb, w, dy_channels);
  else
    backward(dy, yb, static_cast<const std::int64_t*>(argmax), dx, xb, w, dy_channels);
}

}  // namespace tenet::kernels
