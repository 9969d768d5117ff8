#pragma once
// The contracts of layers (internal: layers/, core/graph and core/training call these). Each
// message is written here once; causes read the layer's LayerFacts and the call context
// (checks.hpp), never type names or describe() text. The window rule of Conv2D and MaxPool2D
// (output size and padding, TensorFlow's "valid"/"same") lives here with the contracts it
// raises: a windowed layer's shape rule and its checks are one function.
//   conv.rank, conv.channels, conv.too_small   layer_checks.cpp
//   dense.rank, dense.undefined, dense.features, batchnorm.features
//   elementwise.shape (Add, Multiply), layer.input_count, layer.input_spec, flatten.rank,
//   reshape.size (the Reshape layer)
#include <array>
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/contracts/facts.hpp>

namespace tenet::checks {

// The size on the last axis a built layer's weights fix (facts.built_last_axis): raises `code`
// (dense.features, batchnorm.features, conv.channels) when `input` has another one. A layer
// built for it by a first call receives another size on a later call.
void check_built_size(const std::string& code, const Site& layer, const LayerFacts& facts,
                      const Shape& input, Phase phase);
// The last axis of `input` must be known to create the layer's weights: dense.undefined,
// batchnorm.features or conv.channels. `weights` names them ("its kernel", "gamma and beta").
void check_known_last_axis(const std::string& code, const Site& layer, const Shape& input,
                           const std::string& weights, Phase phase);

// conv.channels: a convolution's `input` (rank 4) needs at least one channel: its kernel of
// `kernel` size and `filters` outputs would hold no weight. An eager tensor can have 0 channels
// (a channel slice that selected none); an Input cannot (input.shape).
void check_nonempty_channels(const Site& layer, const Shape& input,
                             std::array<std::int64_t, 2> kernel, std::int64_t filters,
                             Phase phase);

// conv.rank: `input` must be (batch, height, width, channels) for a layer of `layer.type`.
void check_image_rank(const Shape& input, const Site& layer, Phase phase);
// conv.too_small: the window `w` leaves an output of `out_h` x `out_w` (one of them <= 0).
[[noreturn]] void window_too_small(const Shape& input, const WindowFacts& w, std::int64_t out_h,
                                   std::int64_t out_w, const Site& layer, Phase phase);
// dense.rank: Dense takes (batch, features).
void check_dense_rank(const Shape& input, const Site& layer, Phase phase);

// elementwise.shape for a merge layer (Add, Multiply): input `i` must have input 0's shape.
void check_merge_pair(const Shape& first, const Shape& other, std::size_t i, const Site& layer,
                      Phase phase);
// layer.input_count: `n` inputs for a layer taking one (multi_input false) or several.
void check_input_count(std::size_t n, bool multi_input, const Site& layer, Phase phase);
// layer.input_count for a merge layer (Concatenate, Add, Multiply) that joins two or more.
void check_merge_count(std::size_t n, const Site& layer, Phase phase);
// flatten.rank: Flatten needs a batch axis.
void check_flatten_rank(const Shape& input, const Site& layer, Phase phase);
// layer.input_spec: a user layer's declared rank (`rank`) or size `want` on `axis`.
[[noreturn]] void input_spec_rank(int rank, const Shape& input, const Site& layer, Phase phase);
[[noreturn]] void input_spec_dim(int axis, std::int64_t want, const Shape& input,
                                 const Site& layer, Phase phase);
// reshape.size for the Reshape layer: a sample of `n` elements into `target` (per sample, -1
// for the axis to infer; `known` is the product of its other sizes).
[[noreturn]] void reshape_layer_size(const Shape& sample, std::int64_t n, const Shape& target,
                                     std::int64_t known, bool has_rest, const Site& layer,
                                     Phase phase);

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

// The (N, H, W, C) contracts of a windowed layer and its output shape. `what` names the window
// ("kernel", "pool window"). Returns the output shape with channels `out_channels` (kUnknown
// keeps the input's). Raises conv.rank or conv.too_small.
Shape windowed_output_shape(const Shape& in, const Window2D& w, const Site& where, Phase phase,
                            const std::string& what, std::int64_t out_channels);

// options.invalid unless both sizes of a window option (kernel_size, strides, dilation,
// pool_size) are >= 1. `option` names it: "Conv2DOptions::strides".
void check_window_option(const std::string& option, std::array<std::int64_t, 2> v,
                         const Site& where);

// options.invalid when a size of a window option is above `limit`: `why` says where the limit
// comes from, `fix` what to do instead.
void check_window_limit(const std::string& option, std::array<std::int64_t, 2> v,
                        std::int64_t limit, const std::string& why, const std::string& fix,
                        const Site& where);

// The window as contract causes read it (facts.hpp); `kernel` for Conv2D.
WindowFacts window_facts(const Window2D& w, bool kernel);

// "3x3", for describe() and messages.
std::string window_text(std::int64_t h, std::int64_t w);

}  // namespace tenet::checks
