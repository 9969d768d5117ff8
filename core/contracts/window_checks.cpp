// conv.rank and conv.too_small: the contracts of layers that slide a window or read images
// (Conv2D, MaxPool2D, global pooling, Resizing).
#include <cmath>
#include <limits>

#include "core/contracts/layer_checks.hpp"

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }
std::string window_text(std::int64_t h, std::int64_t w) { return num(h) + "x" + num(w); }

// (k - 1) * d + 1, the extent of a dilated window, saturated at the largest int64.
std::int64_t span_of(std::int64_t k, std::int64_t d) {
  std::int64_t span = 0;
  if (__builtin_mul_overflow(k - 1, d, &span) || __builtin_add_overflow(span, 1, &span))
    return std::numeric_limits<std::int64_t>::max();
  return span;
}

std::string arithmetic(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                       std::int64_t out) {
  return "(" + num(in) + " - " + num(span_of(k, d)) + ")/" + num(s) + " + 1 = " + num(out);
}

}  // namespace

void check_image_rank(const Shape& in, const Site& where, Phase phase) {
  if (in.rank() == 4) return;
  std::string expected = "(None, height, width, channels)", cause, fix;
  const std::string got = input_desc(0);
  if (in.rank() == 3) {
    expected = "(None, " + dim_str(in[1]) + ", " + dim_str(in[2]) + ", channels)";
    cause = "the channel axis is missing: " + got + " has (batch, height, width) but " +
            where.type + " needs (batch, height, width, channels)";
    fix = "add the channel axis with expand_dims(x, -1) (grayscale images become (N, " +
          dim_str(in[1]) + ", " + dim_str(in[2]) + ", 1)), or put Reshape({" + dim_str(in[1]) +
          ", " + dim_str(in[2]) + ", 1}) first";
    if (phase == Phase::run && in[2] >= 0 && in[2] <= 4)
      fix += "; if this is a single image without its batch axis, use expand_dims(x, 0)";
  } else if (in.rank() == 2) {
    cause = "height, width and channels are missing: " + got +
            " is flat (batch, features), e.g. images flattened to vectors or a Dense output";
    std::int64_t side = in[1] > 0 ? std::llround(std::sqrt(double(in[1]))) : 0;
    std::string shape = side > 0 && side * side == in[1] ? num(side) + ", " + num(side) + ", 1"
                                                         : "height, width, channels";
    fix = "reshape the features into images with Reshape({" + shape + "}) before '" +
          where.name + "', or apply '" + where.name + "' before the Flatten";
  } else if (in.rank() > 4) {
    cause = got + " has " + num(in.rank() - 4) + " axis too many: data batched twice, or an "
            "extra time/depth axis";
    fix = "remove the second batching, or Reshape to (height, width, channels)";
  } else {
    cause = got + " has rank " + num(in.rank()) + ", far from an image batch";
    fix = "give the layer images of shape (batch, height, width, channels)";
  }
  Violation("conv.rank", phase, where)
      .summary(where.type + " needs rank 4 inputs (batch, height, width, channels) but received "
               "rank " + num(in.rank()))
      .expected(expected)
      .actual(in)
      .cause(cause)
      .fix(fix)
      .raise();
}

void window_too_small(const Shape& in, const WindowFacts& w, std::int64_t out_h,
                      std::int64_t out_w, const Site& where, Phase phase) {
  const std::string what = w.is_kernel ? "kernel" : "pool window";
  std::vector<std::string> parts;
  std::vector<int> axes;
  if (in[1] >= 0 && out_h <= 0) {
    parts.push_back("height " + arithmetic(in[1], w.kh, w.sh, w.dh, out_h));
    axes.push_back(1);
  }
  if (in[2] >= 0 && out_w <= 0) {
    parts.push_back("width " + arithmetic(in[2], w.kw, w.sw, w.dw, out_w));
    axes.push_back(2);
  }
  std::string cause = std::string(w.same_padding ? "same" : "valid") + " " +
                      window_text(w.kh, w.kw) + " " + what + " on " + dim_str(in[1]) + "x" +
                      dim_str(in[2]) + " input: " + parts[0] + (parts.size() > 1 ? ", " + parts[1] : "");
  if (w.dh > 1 || w.dw > 1)
    cause += " (dilation " + window_text(w.dh, w.dw) + " spreads the " + what + " over " +
             window_text(span_of(w.kh, w.dh), span_of(w.kw, w.dw)) + ")";
  const SizeOrigin o = input_origin(0);
  const bool pooled_before = o.facts.window.present && !o.facts.window.is_kernel;
  cause += "; the input is " + input_desc(0);
  if (!o.sentence.empty()) cause += ", and its size comes from this step: " + o.sentence;
  std::string fix = "give '" + where.name + "' padding \"same\" (.padding = Padding::same), use a " +
                    "smaller " + what;
  if (w.dh > 1 || w.dw > 1) fix += " or a smaller dilation";
  fix += pooled_before ? ", use fewer pooling steps before it (remove or shrink '" + o.layer + "')"
                       : ", or feed a larger input";
  const std::int64_t need_h = span_of(w.kh, w.dh), need_w = span_of(w.kw, w.dw);
  Violation("conv.too_small", phase, where)
      .summary("the " + what + " is larger than the input, so the output would be empty")
      .expected("(None, >=" + num(need_h) + ", >=" + num(need_w) + ", " + dim_str(in[3]) + ")")
      .actual(in)
      .mark(axes)
      .cause(cause)
      .fix(fix)
      .raise();
}

}  // namespace tenet::checks
