// core/checks, part 2: options.invalid (options, arguments and empty handles), the values a
// dtype can hold, empty axes, batch counts and callback.filepath. Part 1 (checks.cpp) holds
// the shape checks and the Violation builder; checks_size.cpp the checked element counts.
#include <tenet/core/contracts/checks.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/base/text_escape.hpp"
#include "core/contracts/enum_checks.hpp"

namespace tenet::checks {

// ---- options.invalid ----

namespace {
std::string real_str(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::setprecision(9) << v;
  return os.str();
}
// The cause of a refused real option: NaN's own, else the caller's (empty: the default).
std::string nan_cause(const std::string& option, double v, const std::string& cause = {}) {
  return std::isnan(v) ? option + " is NaN, which lies in no range (every comparison with NaN is "
                                  "false); a computed value becomes NaN through 0/0, inf - inf "
                                  "or a NaN operand"
                       : cause;
}
}  // namespace

void invalid_option(const std::string& option, const std::string& value, const std::string& valid,
                    const Site& where, Phase phase, const std::string& cause,
                    const std::string& fix) {
  Violation("options.invalid", phase, where)
      .summary(option + " = " + value + " is outside its valid range")
      .expected(valid)
      .actual(value)
      .cause(cause.empty() ? option + " = " + value + " is not " + valid : cause)
      .fix(fix.empty() ? "pass " + option + " a value that is " + valid : fix)
      .raise();
}

void check_option_range(const std::string& option, std::int64_t value, std::int64_t lo,
                        std::int64_t hi, const Site& where, Phase phase) {
  if (value >= lo && value <= hi) return;
  // No upper bound when `hi` is the largest value of the option's type (int or int64).
  const bool unbounded = hi == std::numeric_limits<std::int64_t>::max() ||
                         hi == std::numeric_limits<int>::max();
  std::string valid = unbounded
                          ? "an integer >= " + std::to_string(lo)
                          : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const std::string side = value < lo ? "below the smallest valid value, " + std::to_string(lo)
                                       : "above the largest valid value, " + std::to_string(hi);
  invalid_option(option, std::to_string(value), valid, where, phase,
                 option + " = " + std::to_string(value) + " is " + side);
}

void check_option_real(const std::string& option, double value, double lo, double hi,
                       bool hi_inclusive, const Site& where, Phase phase,
                       const std::string& cause) {
  const bool ok = std::isfinite(value) && value >= lo && (hi_inclusive ? value <= hi : value < hi);
  if (ok) return;
  std::string valid = "a finite number in [" + real_str(lo) + ", " + real_str(hi) +
                      (hi_inclusive ? "]" : ")");
  if (std::isinf(hi)) valid = "a finite number >= " + real_str(lo);
  std::string why = cause;
  if (why.empty() && !std::isnan(value))
    why = option + " = " + real_str(value) + " is " +
          (std::isinf(value) ? std::string("infinite")
           : value < lo      ? "below the smallest valid value, " + real_str(lo)
                             : (hi_inclusive ? "above " : "at or above ") + real_str(hi) +
                                   ", the end of the valid range");
  invalid_option(option, real_str(value), valid, where, phase, nan_cause(option, value, why));
}

void invalid_enum(const std::string& option, const std::string& value,
                  const std::vector<std::string>& names, const Site& where, Phase phase) {
  std::string listed;
  for (std::size_t i = 0; i < names.size(); ++i)
    listed += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  invalid_option(option, value, "one of " + listed, where, phase,
                 value + " is none of the " + std::to_string(names.size()) + " values of its "
                 "type: an integer cast to the enum makes such a value, and it has no meaning",
                 "pass one of " + listed);
}

void empty_handle(const std::string& argument, const std::string& type, const Site& where,
                  Phase phase) {
  // Where a value of each kind of handle comes from, for the fix.
  const std::string source =
      type == "Tensor" ? "Tensor::zeros(...), Tensor::from_vector(...), an op or a layer call"
      : type == "SymbolicTensor" ? "Input(...) or a layer called on one"
      : type == "Layer" ? "a layer's constructor, e.g. Dense(10)"
      : type == "Loss" ? "a loss's constructor, e.g. SparseCategoricalCrossentropy()"
      : type == "Optimizer" ? "SGD() or Adam()"
      : type == "LearningRateSchedule" ? "a schedule's constructor, e.g. ExponentialDecay({}) or "
                                         "CosineDecay({.decay_steps = 1000})"
      : type == "Callback" ? "a callback's constructor, e.g. EarlyStopping({})"
      : type == "std::function" ? "a function or a lambda"
                                : "a constructor of " + type;
  invalid_option(argument, "an empty " + type, "a " + type + " that holds a value", where, phase,
                 argument + " is a default-constructed (empty) " + type + ": it was declared "
                 "but never assigned a result",
                 "assign " + argument + " before this call, e.g. from " + source);
}

// ---- callback.filepath ----

void missing_log_key(const std::string& pattern, const std::string& key,
                     const std::map<std::string, double>& logs, const Site& where) {
  std::string available = "epoch";
  bool has_val = false;
  for (const auto& [k, v] : logs) {
    available += ", " + k;
    has_val = has_val || k.rfind("val_", 0) == 0;
  }
  const bool val_key = key.rfind("val_", 0) == 0;
  const std::string base = val_key ? key.substr(4) : key;
  std::string cause, fix;
  const std::string example = logs.empty() ? "{epoch:02d}" : "{" + logs.begin()->first + ":.4f}";
  if (val_key && !has_val) {
    cause = "'" + key + "' is a validation value, and this fit logs none: val_ keys exist only "
            "with validation_split or validation_data";
    fix = "pass validation_split or validation_data to fit" +
          (logs.count(base) ? ", or use {" + base + "} in the path" : std::string());
  } else {
    cause = "the logs of this epoch hold " + available + "; '" + key + "' is not among them "
            "(fit logs the loss, the metrics given to compile, their val_ versions when there is "
            "validation data, and the keys callbacks add)";
    fix = "use a logged key in the path, e.g. " + example;
  }
  Violation("callback.filepath", Phase::run, where)
      .summary("the checkpoint path " + text::quoted(pattern) + " names '" + key +
               "', which is not in the logs")
      .expected("a field naming one of: " + available)
      .actual("{" + key + "}")
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_option_above(const std::string& option, double value, double lo, const Site& where,
                        Phase phase, const std::string& cause) {
  if (std::isfinite(value) && value > lo) return;
  invalid_option(option, real_str(value), "a finite number > " + real_str(lo), where, phase,
                 nan_cause(option, value, cause));
}

void check_option_positive(const std::string& option, std::int64_t value,
                           const std::string& meaning, const Site& where, Phase phase) {
  if (value >= 1) return;
  invalid_option(option, std::to_string(value), "an integer >= 1", where, phase,
                 option + " is " + meaning + ", a count that cannot be " +
                     std::to_string(value));
}

void no_samples(const std::string& call, const std::string& cause, const std::string& fix,
                const Site& where) {
  Violation("batch.empty", Phase::run, where)
      .summary(call + " received no samples")
      .expected("at least 1 sample")
      .actual("0 samples")
      .cause(cause)
      .fix(fix)
      .raise();
}

std::string option_value(double value) { return real_str(value); }

void check_option_finite(const std::string& option, double value, const Site& where,
                         Phase phase) {
  if (std::isfinite(value)) return;
  invalid_option(option, real_str(value), "a finite number", where, phase,
                 nan_cause(option, value));
}

namespace {
// [lo, hi): the range of an integer dtype, exact in double (powers of two, or 0).
std::pair<double, double> integer_range(DType to) {
  return visit_dtype(to, [](auto tag) {
    using T = decltype(tag);
    const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits);
    return std::pair<double, double>(std::is_signed_v<T> ? -hi : 0.0, hi);
  });
}
}  // namespace

bool fits_dtype(double value, DType to) {
  if (to == DType::f64) return true;
  // float32 holds NaN and the infinities as such; a finite double beyond its range would
  // silently become an infinity.
  if (to == DType::f32) return !std::isfinite(value) || std::isfinite(static_cast<float>(value));
  const auto [lo, hi] = integer_range(to);
  const double t = std::trunc(value);
  return t >= lo && t < hi;  // false for NaN
}

void not_representable(const std::string& code, const std::string& what, double value,
                       DType to, const Site& where, Phase phase) {
  const std::string name = dtype_name(to);
  if (is_floating(to)) {
    const double top = std::numeric_limits<float>::max();
    const std::string range = "[" + real_str(-top) + ", " + real_str(top) + "]";
    Violation(code, phase, where)
        .summary(what + " = " + real_str(value) + " cannot be converted to " + name)
        .expected("a number within " + name + "'s finite range " + range +
                  ", or an infinity or NaN given as such")
        .actual(real_str(value))
        .cause(real_str(value) + " lies outside " + name +
               "'s finite range; converting it would silently give " +
               (value > 0 ? "+inf" : "-inf"))
        .fix("pass std::numeric_limits<float>::infinity() if an infinity is meant; otherwise "
             "rescale the value (or use DType::f64)")
        .raise();
  }
  const std::string range = visit_dtype(to, [](auto tag) {
    using T = decltype(tag);
    return "[" + std::to_string(+std::numeric_limits<T>::min()) + ", " +
           std::to_string(+std::numeric_limits<T>::max()) + "]";
  });
  const std::string cause =
      std::isnan(value) ? "NaN has no " + name + " value"
      : std::isinf(value) ? "an infinity has no " + name + " value"
                          : real_str(value) + " lies outside " + name + "'s range " + range;
  Violation(code, phase, where)
      .summary(what + " = " + real_str(value) + " cannot be converted to " + name)
      .expected("a finite number within " + range + " (truncated toward zero)")
      .actual(real_str(value))
      .cause(cause + "; the conversion would be undefined")
      .fix("clip or replace the value first (e.g. clip(x, lo, hi)), or keep a float dtype")
      .raise();
}

void check_nonempty_axis(const Shape& shape, int axis, const std::string& op,
                         const Site& where, Phase phase) {
  if (shape.dim(axis) != 0) return;
  Violation("reduce.axis", phase, where)
      .summary(op + " along axis " + std::to_string(axis) + " of " + shape.str() +
               ", which has size 0")
      .expected("axis " + std::to_string(axis) + " of size >= 1")
      .actual(shape)
      .mark({axis})
      .cause(op + " picks one element along the axis, and an axis of size 0 has none (the "
             "result would be made up)")
      .fix("reduce along an axis that holds elements, or skip the call when x.dim(" +
           std::to_string(axis) + ") == 0")
      .raise();
}

}  // namespace tenet::checks

// ---- options the float32 update rules use ----

namespace tenet::checks {

bool fits_float32(double value) {
  const double size = std::abs(value);  // compared, never cast: a double beyond float's range
                                        // cast to float is undefined behaviour
  // From float32's smallest normal size: tenet computes with denormals flushed to 0
  // (kernels::FloatModeScope), so 1e-40 would act as 0.
  return value == 0 || (size >= std::numeric_limits<float>::min() &&
                        size <= std::numeric_limits<float>::max());
}

void check_option_float32(const std::string& option, double value, const std::string& role,
                          const Site& where, Phase phase, const Float32Use& use) {
  if (fits_float32(value)) return;
  const bool large = std::abs(value) > 1;
  invalid_option(option, real_str(value),
                 "a number float32 holds (0, or a size from 1.2e-38 to 3.4e+38)", where, phase,
                 option + " = " + real_str(value) + " is " +
                     (large ? (value > 0 ? "above float32's largest value, 3.4e+38: "
                                         : "below float32's lowest value, -3.4e+38: ")
                            : (value > 0 ? "below float32's smallest normal value, 1.2e-38 "
                                           "(tenet flushes smaller ones to 0): "
                                         : "closer to 0 than float32's smallest normal size, "
                                           "1.2e-38 (tenet flushes smaller ones to 0): ")) +
                     use.computes + " computes in float32, where " +
                     (large ? use.if_inf : use.if_zero) + "; " + role,
                 "give " + option + " a value float32 holds" +
                     (large ? "" : " (usual values are " + use.usual + ")"));
}

}  // namespace tenet::checks
