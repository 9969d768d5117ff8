#pragma once
// Window arithmetic shared by Conv2D and MaxPool2D (TensorFlow's "valid"/"same" rules) and
// their shared contracts conv.rank and conv.too_small.
#include <array>
#include <cstdint>
#include <string>

#include <tenet/core/graph/layer.hpp>

namespace tenet {

// A 2-D sliding window: kernel or pool size, strides, dilation and padding.
struct Window2D {
  std::int64_t kh = 1, kw = 1;
  std::int64_t sh = 1, sw = 1;
  std::int64_t dh = 1, dw = 1;
  Padding padding = Padding::valid;
};

// One spatial axis: output size and the padding before/after, as TensorFlow computes them.
//   valid: out = floor((in - (k-1)*d - 1) / s) + 1, no padding
//   same:  out = ceil(in / s), total = max((out-1)*s + (k-1)*d + 1 - in, 0),
//          before = total / 2, after = total - before
// An unknown `in` (kUnknown) gives an unknown `out`. `out` may be <= 0 (too small).
struct AxisPlan {
  std::int64_t out = kUnknown, pad_before = 0, pad_after = 0;
};
AxisPlan plan_axis(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation,
                   Padding padding);

// The (N, H, W, C) contracts of a windowed layer. `channels` is the built channel count (or
// kUnknown); `what` names the window ("kernel", "pool window"). Returns the output shape with
// channels `out_channels` (kUnknown keeps the input's). Raises conv.rank or conv.too_small.
Shape windowed_output_shape(const Shape& in, const Window2D& w, const Site& where, Phase phase,
                            const std::string& what, std::int64_t out_channels);

// options.invalid unless both sizes of a window option (kernel_size, strides, dilation,
// pool_size) are >= 1. `option` names it: "Conv2DOptions::strides".
void check_window_option(const std::string& option, std::array<std::int64_t, 2> v,
                         const Site& where);

// The window as contract causes read it (core/contracts/facts.hpp); `kernel` for Conv2D.
checks::WindowFacts window_facts(const Window2D& w, bool kernel);

// "3x3", or "3x3/2" with strides, for describe().
std::string window_text(std::int64_t h, std::int64_t w);

}  // namespace tenet
