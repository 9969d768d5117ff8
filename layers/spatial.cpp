#include "layers/spatial.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tenet/core/contracts/checks.hpp>

namespace tenet {

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
std::string num(std::int64_t v) { return std::to_string(v); }
// (k - 1) * d + 1, the extent of a dilated window, saturated at the largest int64.
std::int64_t span_of(std::int64_t k, std::int64_t d) {
  std::int64_t span = 0;
  if (__builtin_mul_overflow(k - 1, d, &span) || __builtin_add_overflow(span, 1, &span))
    return std::numeric_limits<std::int64_t>::max();
  return span;
}
}  // namespace

// Sizes here come from the user (kernel, strides, dilation): products and sums saturate at the
// largest int64 instead of overflowing, which still reads as "larger than any input".
AxisPlan plan_axis(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation,
                   Padding padding) {
  AxisPlan p;
  if (in < 0) return p;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t span = span_of(k, dilation);
  if (padding == Padding::valid) {
    p.out = floor_div(in - span, stride) + 1;
    return p;
  }
  p.out = in / stride + (in % stride != 0);
  std::int64_t total = 0;
  if (__builtin_mul_overflow(p.out - 1, stride, &total) || __builtin_add_overflow(total, span, &total))
    total = kMax;
  total = std::max<std::int64_t>(total - in, 0);
  p.pad_before = total / 2;
  p.pad_after = total - p.pad_before;
  return p;
}

std::string window_text(std::int64_t h, std::int64_t w) { return num(h) + "x" + num(w); }

void check_window_option(const std::string& option, std::array<std::int64_t, 2> v,
                         const Site& where) {
  if (v[0] >= 1 && v[1] >= 1) return;
  const std::string value = "{" + num(v[0]) + ", " + num(v[1]) + "}";
  checks::invalid_option(option, value, "two integers >= 1 (height, width)", where, Phase::build,
                         option + " counts pixels along height and width; " + value +
                             " has a size below 1, which covers or advances by no pixel");
}

namespace {

[[noreturn]] void raise_rank(const Shape& in, const Site& where, Phase phase) {
  std::string expected = "(None, height, width, channels)", cause, fix;
  std::string got = checks::input_desc(0);
  if (in.rank() == 3) {
    expected = "(None, " + dim_str(in[1]) + ", " + dim_str(in[2]) + ", channels)";
    cause = "the channel axis is missing: " + got + " has (batch, height, width) but " +
            where.type + " needs (batch, height, width, channels)";
    fix = "add the channel axis with expand_dims(x, -1) (grayscale images become (N, " +
          dim_str(in[1]) + ", " + dim_str(in[2]) + ", 1)), or put Reshape({" + dim_str(in[1]) +
          ", " + dim_str(in[2]) + ", 1}) first";
    if (phase == Phase::run && in[2] <= 4)
      fix += "; if this is a single image without its batch axis, use expand_dims(x, 0)";
  } else if (in.rank() == 2) {
    cause = "height, width and channels are missing: " + got +
            " is flat (batch, features), e.g. images flattened to vectors or a Dense output";
    std::int64_t side = in[1] > 0 ? std::llround(std::sqrt(double(in[1]))) : 0;
    std::string hw = side > 0 && side * side == in[1] ? num(side) + ", " + num(side) + ", 1"
                                                      : "height, width, channels";
    fix = "reshape the features into images with Reshape({" + hw + "}) before this layer";
  } else if (in.rank() > 4) {
    cause = got + " has " + num(in.rank() - 4) + " axis too many: data batched twice, or an "
            "extra time/depth axis";
    fix = "remove the second batching, or Reshape to (height, width, channels)";
  } else {
    cause = got + " has rank " + num(in.rank()) + ", far from an image batch";
    fix = "give the layer images of shape (batch, height, width, channels)";
  }
  checks::Violation("conv.rank", phase, where)
      .summary(where.type + " needs rank 4 inputs (batch, height, width, channels) but received "
               "rank " + num(in.rank()))
      .expected(expected)
      .actual(in)
      .cause(cause)
      .fix(fix)
      .raise();
}

std::string arithmetic(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                       std::int64_t out) {
  std::int64_t span = span_of(k, d);
  return "(" + num(in) + " - " + num(span) + ")/" + num(s) + " + 1 = " + num(out);
}

[[noreturn]] void raise_too_small(const Shape& in, const Window2D& w, const AxisPlan& ph,
                                  const AxisPlan& pw, const Site& where, Phase phase,
                                  const std::string& what) {
  std::string sum = std::string(padding_name(w.padding)) + " " + window_text(w.kh, w.kw) + " " +
                    what + " on " + dim_str(in[1]) + "x" + dim_str(in[2]) + " input";
  std::vector<std::string> parts;
  std::vector<int> axes;
  if (in[1] >= 0 && ph.out <= 0) {
    parts.push_back("height " + arithmetic(in[1], w.kh, w.sh, w.dh, ph.out));
    axes.push_back(1);
  }
  if (in[2] >= 0 && pw.out <= 0) {
    parts.push_back("width " + arithmetic(in[2], w.kw, w.sw, w.dw, pw.out));
    axes.push_back(2);
  }
  std::string cause = sum + ": " + parts[0] + (parts.size() > 1 ? ", " + parts[1] : "");
  if (w.dh > 1 || w.dw > 1)
    cause += " (dilation " + window_text(w.dh, w.dw) + " spreads the " + what + " over " +
             window_text(span_of(w.kh, w.dh), span_of(w.kw, w.dw)) + ")";
  cause += "; the input is " + checks::input_desc(0);
  std::int64_t need_h = span_of(w.kh, w.dh), need_w = span_of(w.kw, w.dw);
  checks::Violation("conv.too_small", phase, where)
      .summary("the " + what + " is larger than the input, so the output would be empty")
      .expected("(None, >=" + num(need_h) + ", >=" + num(need_w) + ", " + dim_str(in[3]) + ")")
      .actual(in)
      .mark(axes)
      .cause(cause)
      .fix("give '" + where.name + "' padding \"same\" (.padding = Padding::same), use a smaller " +
           what + ", use fewer pooling steps before it, or feed a larger input")
      .raise();
}

}  // namespace

Shape windowed_output_shape(const Shape& in, const Window2D& w, const Site& where, Phase phase,
                            const std::string& what, std::int64_t out_channels) {
  if (in.rank() != 4) raise_rank(in, where, phase);
  AxisPlan ph = plan_axis(in[1], w.kh, w.sh, w.dh, w.padding);
  AxisPlan pw = plan_axis(in[2], w.kw, w.sw, w.dw, w.padding);
  if ((in[1] >= 0 && ph.out <= 0) || (in[2] >= 0 && pw.out <= 0))
    raise_too_small(in, w, ph, pw, where, phase, what);
  return Shape{in[0], ph.out, pw.out, out_channels == kUnknown ? in[3] : out_channels};
}

}  // namespace tenet
