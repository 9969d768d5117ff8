#pragma once
// tenet's own max-pooling kernels, used by MaxPool2D in place of oneDNN 2.6's pooling
// primitives, which on this project's machine took several times as long as these loops on the
// same layout (benchmarks/pool_bench.cpp measures both in one run; benchmarks/README.md has
// the figures).
//
// An (N, C, H, W) float32 array is seen as [N][C/B][H][W][B]: channels in blocks of B lanes
// that lie next to each other. That covers the layouts activations take here: row-major
// channels-last (nhwc: one block of B = C lanes), oneDNN's nChw16c / nChw8c (B = 16 / 8; the
// channel count padded up to a multiple of B, the padding lanes zero) and nchw (B = 1).
#include <cstddef>
#include <cstdint>
#include <optional>

#include <oneapi/dnnl/dnnl.hpp>

namespace tenet::kernels {

struct LaneBlocks {
  std::int64_t n = 0, blocks = 0, h = 0, w = 0, lanes = 0;  // lanes: B
  dnnl::memory::format_tag format = dnnl::memory::format_tag::undef;

  std::int64_t plane() const { return h * w * lanes; }  // one block of one image, contiguous
  std::int64_t size() const { return n * blocks * plane(); }
};

// The blocks of a 4-D float32 descriptor, or nothing when its layout is none of those above.
std::optional<LaneBlocks> lane_blocks(const dnnl::memory::desc& d);

// `like` with another height and width (an output in the input's layout: its lanes and blocks
// are taken over, never worked out again from a descriptor, whose comparison ignores the
// strides of size-1 axes), and the descriptor of such blocks over `channels` channels.
LaneBlocks with_size(const LaneBlocks& like, std::int64_t h, std::int64_t w);
dnnl::memory::desc desc_of(const LaneBlocks& b, std::int64_t channels);

struct PoolWindow {
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, pad_top = 0, pad_left = 0;
};

// Bytes per stored argmax position (the cell of a window holding its maximum, counted from the
// window's corner): one when a window has fewer than 255 cells, four when its cells fit int32,
// else eight (each side is at most 2^31 - 1: MaxPool2D refuses more, so kh * kw fits int64).
// The argmax buffer holds yb.size() of them.
std::size_t argmax_bytes(const PoolWindow& w);

// y = the maximum of x over each window (cells outside x, from "same" padding, never count;
// the first maximum in row-major window order wins ties). When `argmax` is not null it
// receives, per output lane, the window cell of that maximum; with `relu_input` (x is a
// ReLU's output, so never negative) a window whose maximum is 0 is marked as passing no
// gradient instead: ReLU's own backward would zero that gradient, so the layer before can skip
// it. x and y share B; argmax is laid out like y with dense strides.
void max_pool_forward(const float* x, const LaneBlocks& xb, float* y, const LaneBlocks& yb,
                      void* argmax, const PoolWindow& w, bool relu_input);

// dx = the gradient of x: dy at each argmax position (summed where windows overlap), zero
// elsewhere. dy lies like y in max_pool_forward, dx like x; or, when reads_row_major_dy says
// the loops can, dy is row-major (N, OH, OW, dy_channels) (the gradient a Flatten after the
// pooling hands back), read in place instead of converted first.
void max_pool_backward(const float* dy, const LaneBlocks& yb, const void* argmax, float* dx,
                       const LaneBlocks& xb, const PoolWindow& w, std::int64_t dy_channels = 0);
bool reads_row_major_dy(const LaneBlocks& xb, const LaneBlocks& yb, const PoolWindow& w,
                        std::int64_t channels);

// The 2x2 loops' rows run on AVX-512 (pooling_avx512.cpp) when the CPU has it; the plain
// build targets x86-64's SSE2, four floats an instruction. Tests and pool_bench turn them off
// to compare both: the same bits. Returns whether the AVX-512 rows will run.
bool use_avx512_rows(bool wanted);

}  // namespace tenet::kernels
