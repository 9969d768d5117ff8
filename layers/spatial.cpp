#include "layers/spatial.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/contracts/layer_checks.hpp"

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

checks::WindowFacts window_facts(const Window2D& w, bool kernel) {
  return {true, kernel, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, w.padding == Padding::same};
}

void check_window_option(const std::string& option, std::array<std::int64_t, 2> v,
                         const Site& where) {
  if (v[0] >= 1 && v[1] >= 1) return;
  const std::string value = "{" + num(v[0]) + ", " + num(v[1]) + "}";
  checks::invalid_option(option, value, "two integers >= 1 (height, width)", where, Phase::build,
                         option + " counts pixels along height and width; " + value +
                             " has a size below 1, which covers or advances by no pixel");
}

Shape windowed_output_shape(const Shape& in, const Window2D& w, const Site& where, Phase phase,
                            const std::string& what, std::int64_t out_channels) {
  checks::check_image_rank(in, where, phase);
  AxisPlan ph = plan_axis(in[1], w.kh, w.sh, w.dh, w.padding);
  AxisPlan pw = plan_axis(in[2], w.kw, w.sw, w.dw, w.padding);
  if ((in[1] >= 0 && ph.out <= 0) || (in[2] >= 0 && pw.out <= 0))
    checks::window_too_small(in, window_facts(w, what == "kernel"), ph.out, pw.out, where, phase);
  return Shape{in[0], ph.out, pw.out, out_channels == kUnknown ? in[3] : out_channels};
}

}  // namespace tenet
