// input.range (a warning at the start of fit): the values of an Input's first batch against
// the range its first computing layer was built for, with or without a Rescaling.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/base/user_call.hpp"
#include "core/contracts/input_checks.hpp"

namespace tenet::checks {

namespace {

struct Text {
  std::string cause, fix;
};

// The values as the first layer sees them: x * scale + offset.
std::pair<double, double> seen(const RangeFacts& f) {
  const double a = f.lo * f.scale + f.offset, b = f.hi * f.scale + f.offset;
  return {std::min(a, b), std::max(a, b)};
}

// A value of the data as messages print it: 6 significant digits ("0.00392157", "65535").
std::string shown(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string span(double lo, double hi) { return shown(lo) + " to " + shown(hi); }

// No Rescaling: values beyond kRangeLarge reach a layer that computes on them; for images of
// 0..255, 8-bit pixels converted without scaling.
Text unscaled_text(const RangeFacts& f) {
  const std::string who = f.first_layer.empty() ? "the first layer" : f.first_layer;
  const std::string values = "the data of Input '" + f.input + "' spans " + span(f.lo, f.hi);
  if (f.image && f.lo >= 0 && f.hi <= 255)
    return {values + ", the range of 8-bit pixels converted to float without scaling; no "
                "Rescaling follows the Input, so " + who + " computes on values up to " +
                shown(f.hi) + ", about 255 times the [0, 1] a model is usually built and "
                "initialised for (training runs, but on a loss and gradients that large)",
            "divide the data by 255 (x / 255.0), or put Rescaling(1.0 / 255) right after the "
            "Input so that predict gets the same scaling"};
  return {values + (f.lo < 0 ? ", with negative values" : "") + ": not " +
              (f.image ? "pixels" : "scaled features") + ", and no "
              "Rescaling follows the Input, so " + who + " computes on values of that size, "
              "far from the roughly [-1, 1] its weights were initialised for",
          "standardise each feature with the training data's mean and standard deviation "
          "((x - mean) / std), or put " + snippet("BatchNorm()", "keras.layers.BatchNormalization()") +
              " right after the Input"};
}

// A Rescaling brings the values below kRangeSmall (scaled twice) or beyond kRangeLarge.
Text rescaled_text(const RangeFacts& f) {
  const auto [a, b] = seen(f);
  const std::string after = f.rescaling + " (x * " + shown(f.scale) +
                            (f.offset != 0 ? " + " + shown(f.offset) : std::string()) +
                            ") turns them into " + span(a, b);
  const std::string values = "the data of Input '" + f.input + "' spans " + span(f.lo, f.hi);
  if (std::max(std::abs(a), std::abs(b)) > kRangeLarge)
    return {values + ", more than the range " + f.rescaling + " was set for: " + after,
            "set the Rescaling's scale for this data (Rescaling(1.0 / " + shown(f.hi) +
                ") for values up to " + shown(f.hi) + "), or scale the data to the range the "
                "model was trained on"};
  if (!is_floating(f.dtype) && f.lo >= 0 && f.hi <= 1)
    return {values + ": " + dtype_name(f.dtype) + " data holding only 0 and 1 (a mask or binary "
                "data, not 0..255 pixels), and " + after + ", nearly zero everywhere",
            "binary data needs no scaling: drop the Rescaling (or make it Rescaling(1.0)); if "
            "the data should be 0..255 pixels, look at how it was converted"};
  if (f.lo >= 0 && f.hi > 1 && f.scale > 0)
    return {values + ", far below the values up to " + shown(1.0 / f.scale) + " that " +
                f.rescaling + " is set for (not 0..255 pixels), and " + after +
                ": the layers after it see values near zero",
            "if this data is what the model should see, scale it by its own range (Rescaling(1.0 / " +
                shown(f.hi) + ") instead); if the model needs 0..255 pixels, look at how the data "
                "was made (class indices or a mask passed as the image?)"};
  return {values + (f.lo < 0 ? ", centred near 0 (already standardised)"
                             : ", already within [0, 1]") + ", and " + after +
              ": the data is scaled twice, so the layers after it see values near zero",
          "feed the unscaled data the model was built for (0..255 pixels for Rescaling(1.0 / "
          "255)), or remove the Rescaling now that the data is scaled"};
}

}  // namespace

void check_input_range(const RangeFacts& f, WarningMode mode, const Site& where) {
  if (mode == WarningMode::off) return;
  const auto [a, b] = seen(f);
  const double most = std::max(std::abs(a), std::abs(b));
  const bool large = most > kRangeLarge;
  const bool small = !f.rescaling.empty() && most < kRangeSmall && (f.lo != 0 || f.hi != 0);
  if (!large && !small) return;
  const Text t = f.rescaling.empty() ? unscaled_text(f) : rescaled_text(f);
  Violation v("input.range", Phase::run, where);
  v.summary("the values of Input '" + f.input + "' (" + span(f.lo, f.hi) + ") are far from "
            "the range the model was built for")
      .expected(f.rescaling.empty() ? "values within about [-" + shown(kRangeLarge) + ", " +
                                          shown(kRangeLarge) + "] at " +
                                          (f.first_layer.empty() ? "the first layer" : f.first_layer)
                                    : "values that " + f.rescaling + " brings to a magnitude "
                                      "between " + shown(kRangeSmall) + " and " +
                                      shown(kRangeLarge))
      .actual(span(f.lo, f.hi) + (f.rescaling.empty() ? "" : ", " + span(a, b) + " after " +
                                                               f.rescaling))
      .cause(t.cause)
      .fix(t.fix + ". This is a warning (fit trains anyway)" +
           snippet(": FitOptions::warnings = WarningMode::off silences it, WarningMode::raise "
                   "makes it an error", ""));
  if (mode == WarningMode::raise) v.raise();
  std::cerr << "tenet warning: " << ContractError(v.info()).what() << std::endl;
}

}  // namespace tenet::checks
