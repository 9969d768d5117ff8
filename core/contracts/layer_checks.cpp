#include "core/base/user_call.hpp"
#include "core/contracts/layer_checks.hpp"
#include "core/contracts/image_checks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}


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

// "its input gives 2048 features": what the producer's facts say about where a size came from.
std::string size_source_text(const LayerFacts& up, std::int64_t got) {
  if (up.size_rule == SizeRule::flattens)
    return ". Those " + num(got) + " features come from a Flatten, so they grow and shrink with "
           "the height and width before it: the two calls see images of different sizes";
  return "";
}

std::string axes_count(int n) { return num(n) + (n == 1 ? " axis" : " axes"); }

// "(None, 28, 28, <known>)": the shape with a known last axis.
std::string known_last_axis_text(const Shape& s) {
  std::string t = "(";
  for (int i = 0; i + 1 < s.rank(); ++i) t += dim_str(s[i]) + ", ";
  return t + "<known>)";
}

}  // namespace

void check_built_size(const std::string& code, const Site& layer, const LayerFacts& facts,
                      const Shape& input, Phase phase) {
  if (input.rank() < 1) return;
  const int ax = input.rank() - 1;
  const std::int64_t got = input[ax], want = facts.built_last_axis;
  if (want < 0 || got < 0 || got == want) return;
  const bool image = input.rank() == 4;
  const std::string unit = image ? "channels" : "features";
  const ChannelAdvice ca = image ? channel_advice(got, want) : ChannelAdvice{};
  std::string cause = "'" + layer.name + "' (" + layer.type + ") was built for " + num(want) + " " +
                      unit + " by its first call (its " + facts.built_weight +
                      "); this call shares those weights but gives it " + input_desc(0);
  const std::string rebuild = "build the layer for " + num(got) + " " + unit + ": call a new " +
                              layer.type + " layer on this input, with its own weights";
  std::string fix;
  const LayerFacts up = input_producer(0);
  if (ca.known) {
    cause += ": " + ca.cause;
    fix = ca.fix + "; or " + rebuild;
  } else if (up.size_rule == SizeRule::flattens) {
    cause += size_source_text(up, got);
    fix = "give both inputs the same height and width before the Flatten, or use "
          "GlobalAveragePooling2D() instead of Flatten() so the features are the channels; or " +
          rebuild;
  } else {
    fix = "make the layer before give " + num(want) + " " + unit + " (its units or filters), or " +
          rebuild;
  }
  Violation(code, phase, layer)
      .summary("'" + layer.name + "' was built for " + num(want) + " " + unit + " but receives " +
               num(got))
      .expected(input.with(ax, want))
      .actual(input)
      .mark({ax})
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_known_last_axis(const std::string& code, const Site& layer, const Shape& input,
                           const std::string& weights, Phase phase) {
  if (input.rank() >= 2 && input[input.rank() - 1] >= 0) return;
  Violation v(code, phase, layer);
  if (input.rank() < 2)
    v.summary(layer.type + " needs an axis of features after the batch axis")
        .expected("(None, features) or (None, height, width, channels)")
        .actual(input)
        .cause(input_desc(0) + " has no axis to size " + weights + " by")
        .fix("give the layer (batch, features) or (batch, height, width, channels) tensors")
        .raise();
  const int ax = input.rank() - 1;
  const bool flattened = input_producer(0).size_rule == SizeRule::flattens;
  std::string dims;
  for (int i = 1; i < input.rank(); ++i)
    dims += (i > 1 ? ", " : "") + (i == ax ? std::string(input.rank() == 4 ? "3" : "16")
                                           : input[i] < 0 ? snippet("kUnknown", "None") : num(input[i]));
  const std::string example = snippet("Input({" + dims + "})",
                                      "keras.Input(shape=(" + dims + (input.rank() == 2 ? ",))" : "))"));
  v.summary(layer.type + " needs a known size on the last axis to create " + weights +
            ", but it is None")
      .expected(known_last_axis_text(input))
      .actual(input)
      .mark({ax})
      .cause(flattened ? input_desc(0) + " comes from a Flatten of tensors with None height or "
                         "width, so its number of features depends on each image's size"
                       : input_desc(0) + " has None on its last axis, as its Input declares")
      .fix(flattened ? "use GlobalAveragePooling2D() instead of Flatten() so the size no longer "
                       "depends on height and width, or give the Input fixed height and width"
                     : "declare the size of the last axis in the Input, e.g. " + example +
                           " for " + (input.rank() == 4 ? "3 channels" : "16 features"))
      .raise();
}

void check_nonempty_channels(const Site& layer, const Shape& input,
                             std::array<std::int64_t, 2> kernel, std::int64_t filters,
                             Phase phase) {
  if (input.rank() != 4 || input[3] != 0) return;
  const std::string weights = "its kernel " + Shape{kernel[0], kernel[1], 0, filters}.str();
  Violation("conv.channels", phase, layer)
      .summary(layer.type + " needs at least 1 input channel, but the input has 0")
      .expected("(" + dim_str(input[0]) + ", " + dim_str(input[1]) + ", " + dim_str(input[2]) +
                ", >=1)")
      .actual(input)
      .mark({3})
      .cause(input_desc(0) + " has 0 channels (its last axis is empty): " + layer.type +
             " sums over the input's channels, so " + weights + " would hold no weight (an "
             "Input declared with 0 channels is refused when it is made)")
      .fix("give '" + layer.name + "' at least one channel; a channel slice " +
           snippet("slice(x, 3, begin, end)", "x[..., begin:end]") +
           " selects none when end <= begin")
      .raise();
}

void check_dense_rank(const Shape& s, const Site& layer, Phase phase) {
  const bool image = s.rank() == 4;
  check_rank(s, 2, "dense.rank", layer, phase, "(None, features)",
             "Dense receives " + input_desc(0) + ", which still has " + num(s.rank() - 1) +
                 " axes per sample; Dense takes one row of features per sample",
             image ? "put Flatten() (keeps every pixel: " + num(s[1] * s[2] * s[3]) +
                         " features) or GlobalAveragePooling2D() (one value per channel: " +
                         dim_str(s[3]) + " features) before '" + layer.name + "'"
                   : "put Flatten() before '" + layer.name + "'" +
                         (s.rank() < 2 ? ", or give the data a batch axis with " +
                                             snippet("expand_dims(x, 0)", "np.expand_dims(x, 0)")
                                       : std::string()));
}

void check_flatten_rank(const Shape& s, const Site& layer, Phase phase) {
  if (s.rank() >= 1) return;
  Violation("flatten.rank", phase, layer)
      .summary("Flatten needs a batch axis")
      .expected("(None, ...)")
      .actual(s)
      .cause("received " + input_desc(0) + ", a scalar")
      .fix("give the tensor a batch axis with " + snippet("expand_dims(x, 0)", "np.expand_dims(x, 0)"))
      .raise();
}

void input_spec_rank(int rank, const Shape& actual, const Site& layer, Phase phase) {
  const bool more = actual.rank() > rank;
  Violation("layer.input_spec", phase, layer)
      .summary("'" + layer.name + "' (" + layer.type + ") declares inputs of rank " + num(rank) +
               " (batch axis included) but received rank " + num(actual.rank()))
      .expected("rank " + num(rank))
      .actual(actual)
      .cause("its InputSpec asks for rank " + num(rank) + ", and it receives " + input_desc(0) +
             (more ? ", which has " + axes_count(actual.rank() - rank) + " too many"
                   : ", which lacks " + axes_count(rank - actual.rank())))
      .fix(more ? (rank == 2 ? "put Flatten() or GlobalAveragePooling2D() before '" + layer.name + "'"
                             : "Reshape the input to rank " + num(rank)) +
                      ", or change the layer's InputSpec"
                : "add the missing axis with expand_dims (Reshape in a model), or change the "
                  "layer's InputSpec")
      .raise();
}

void input_spec_dim(int ax, std::int64_t want, const Shape& actual, const Site& layer,
                    Phase phase) {
  const LayerFacts up = input_producer(0);
  std::string fix = "make the upstream layer produce " + num(want) + " on axis " + num(ax);
  if (up.size_rule == SizeRule::flattens)
    fix += " (the Flatten before it gives height x width x channels: change the image size or "
           "the filters before it)";
  else if (actual.rank() == 2)
    fix += " (e.g. Dense(" + num(want) + ") before '" + layer.name + "')";
  fix += ", or create the " + layer.type + " layer for " + num(actual[ax]);
  Violation("layer.input_spec", phase, layer)
      .summary("'" + layer.name + "' (" + layer.type + ") declares " + axis_name(ax, actual.rank()) +
               " (axis " + num(ax) + ") of size " + num(want) + " but received " + num(actual[ax]))
      .expected(actual.with(ax, want))
      .actual(actual)
      .mark({ax})
      .cause("'" + layer.name + "' receives " + input_desc(0) + ", whose axis " + num(ax) +
             " is " + num(actual[ax]) + ", but its InputSpec requires " + num(want) +
             size_source_text(up, actual[ax]))
      .fix(fix)
      .raise();
}

void reshape_layer_size(const Shape& sample, std::int64_t n, const Shape& target,
                        std::int64_t known, bool has_rest, const Site& layer, Phase phase) {
  const LayerFacts up = input_producer(0);
  Violation("reshape.size", phase, layer)
      .summary("Reshape must keep the number of elements per sample")
      .expected(num(n) + " elements per sample, as in " + sample.with_batch(kUnknown).str())
      .actual(has_rest ? "a multiple of " + num(known) + " in " + target.with_batch(kUnknown).str()
                       : num(known) + " elements in " + target.with_batch(kUnknown).str())
      .cause(input_desc(0) + " holds " + num(n) + " elements per sample, which " +
             (has_rest ? "is not divisible by " : "differs from ") + num(known) +
             (up.window.present ? "; the " + std::string(up.window.is_kernel ? "convolution" : "pooling") +
                                      " before it sets that size" : ""))
      .fix("choose a target whose sizes multiply to " + num(n) +
           (has_rest ? "" : " (or put -1 on one axis to infer it)") +
           (sample.rank() > 1 ? ", or Flatten() for a flat vector" : ""))
      .raise();
}

// --- Windows: conv.rank, conv.too_small and the window rule (Conv2D, MaxPool2D) ---

void check_image_rank(const Shape& in, const Site& where, Phase phase) {
  if (in.rank() == 4) return;
  std::string expected = "(None, height, width, channels)", cause, fix;
  const std::string got = input_desc(0);
  if (in.rank() == 3) {
    expected = "(None, " + dim_str(in[1]) + ", " + dim_str(in[2]) + ", channels)";
    cause = "the channel axis is missing: " + got + " has (batch, height, width) but " +
            where.type + " needs (batch, height, width, channels)";
    fix = "add the channel axis with " + snippet("expand_dims(x, -1)", "np.expand_dims(x, -1)") +
          " (grayscale images become (N, " + dim_str(in[1]) + ", " + dim_str(in[2]) +
          ", 1)), or put " + snippet("Reshape({" + dim_str(in[1]) + ", " + dim_str(in[2]) + ", 1})",
                                     "keras.layers.Reshape((" + dim_str(in[1]) + ", " +
                                         dim_str(in[2]) + ", 1))") + " first";
    if (phase == Phase::run && in[2] >= 0 && in[2] <= 4)
      fix += "; if this is a single image without its batch axis, use " +
             snippet("expand_dims(x, 0)", "np.expand_dims(x, 0)");
  } else if (in.rank() == 2) {
    cause = "height, width and channels are missing: " + got +
            " is flat (batch, features), e.g. images flattened to vectors or a Dense output";
    std::int64_t side = in[1] > 0 ? std::llround(std::sqrt(double(in[1]))) : 0;
    std::string shape = side > 0 && side * side == in[1] ? num(side) + ", " + num(side) + ", 1"
                                                         : "height, width, channels";
    fix = "reshape the features into images with " +
          snippet("Reshape({" + shape + "})", "keras.layers.Reshape((" + shape + "))") + " before '" +
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
  std::string fix = "give '" + where.name + "' padding \"same\" (" +
                    snippet(".padding = Padding::same", "padding=\"same\"") + "), use a smaller " + what;
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

WindowFacts window_facts(const Window2D& w, bool kernel) {
  return {true, kernel, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, w.padding == Padding::same};
}

void check_window_option(const std::string& option, std::array<std::int64_t, 2> v,
                         const Site& where) {
  if (v[0] >= 1 && v[1] >= 1) return;
  const std::string value = "{" + num(v[0]) + ", " + num(v[1]) + "}";
  invalid_option(option, value, "two integers >= 1 (height, width)", where, Phase::build,
                         option + " counts pixels along height and width; " + value +
                             " has a size below 1, which covers or advances by no pixel");
}

void check_window_limit(const std::string& option, std::array<std::int64_t, 2> v,
                        std::int64_t limit, const std::string& why, const std::string& fix,
                        const Site& where) {
  if (v[0] <= limit && v[1] <= limit) return;
  const std::string value = "{" + num(v[0]) + ", " + num(v[1]) + "}";
  invalid_option(option, value, "two integers from 1 to " + num(limit) + " (height, width)",
                 where, Phase::build,
                 option + " = " + value + " has a size above " + num(limit) + ": " + why, fix);
}

Shape windowed_output_shape(const Shape& in, const Window2D& w, const Site& where, Phase phase,
                            const std::string& what, std::int64_t out_channels) {
  check_image_rank(in, where, phase);
  AxisPlan ph = plan_axis(in[1], w.kh, w.sh, w.dh, w.padding);
  AxisPlan pw = plan_axis(in[2], w.kw, w.sw, w.dw, w.padding);
  if ((in[1] >= 0 && ph.out <= 0) || (in[2] >= 0 && pw.out <= 0))
    window_too_small(in, window_facts(w, what == "kernel"), ph.out, pw.out, where, phase);
  return Shape{in[0], ph.out, pw.out, out_channels == kUnknown ? in[3] : out_channels};
}

}  // namespace tenet::checks
