// The values of a weights file that no training run produces: refused by load_weights with
// data.format naming the file, the variable and the value, before the model changes.
#include <cmath>
#include <cstdio>

#include "data/checkpoint.hpp"
#include "data/format_error.hpp"

namespace tenet::data::detail {

namespace {

struct BadValue {
  std::int64_t index = -1;  // flat index of the first bad value, -1 when there is none
  double value = 0;
  std::int64_t nonfinite = 0, negative = 0;  // how many values are bad, of each kind
  double tolerance = 0;  // negative: below -tolerance
};

// The first value that is not finite (or, with `nonnegative`, is negative).
template <class T>
BadValue scan(const T* p, std::int64_t n, bool nonnegative, double tolerance) {
  BadValue b;
  b.tolerance = tolerance;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(p[i]);
    const bool nonfinite = !std::isfinite(v), negative = nonnegative && v < -tolerance;
    if (!nonfinite && !negative) continue;
    if (b.index < 0) b.index = i, b.value = v;
    b.nonfinite += nonfinite;
    b.negative += negative;
  }
  return b;
}

// `tolerance`: how far below 0 a never-negative variable may go (LayerImpl::negative_tolerance).
BadValue scan(const Tensor& t, bool nonnegative, double tolerance = 0.0) {
  if (t.dtype() == DType::f32) return scan(t.data<float>(), t.numel(), nonnegative, tolerance);
  if (t.dtype() == DType::f64) return scan(t.data<double>(), t.numel(), nonnegative, tolerance);
  return {};
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// "(2 of 4 values are negative)": the counts of each kind of bad value among n.
std::string bad_counts(const BadValue& b, std::int64_t n) {
  const std::string of = " of " + std::to_string(n) + " values are ";
  const std::string neg = b.tolerance > 0 ? "below -" + number(b.tolerance) : "negative";
  if (b.negative == 0) return "(" + std::to_string(b.nonfinite) + of + "NaN or infinite)";
  if (b.nonfinite == 0) return "(" + std::to_string(b.negative) + of + neg + ")";
  return "(" + std::to_string(b.nonfinite) + of + "NaN or infinite, " +
         std::to_string(b.negative) + " " + neg + ")";
}

[[noreturn]] void bad_values(const std::string& path, const std::string& variable,
                             const Tensor& t, bool nonnegative, const BadValue& b,
                             const std::string& cause, const std::string& fix) {
  format_error(path, "weights file", {variable + " holds " + (std::isfinite(b.value)
        ? (b.tolerance > 0 ? "values below -" + number(b.tolerance) : std::string("negative values"))
        : "NaN or infinite values"),
      std::string(nonnegative ? "finite values >= " + (b.tolerance > 0 ? "-" + number(b.tolerance)
                                                                           : std::string("0"))
                              : "finite values") + " (" +
          dtype_name(t.dtype()) + " " + t.shape().str() + ")",
      number(b.value) + " at flat index " + std::to_string(b.index) + " " +
          bad_counts(b, t.numel()),
      cause, fix});
}

void check_values(const std::string& path, const std::string& variable, const Tensor& t,
                  bool nonnegative, const std::string& cause, const std::string& fix) {
  const BadValue b = scan(t, nonnegative);
  if (b.index >= 0) bad_values(path, variable, t, nonnegative, b, cause, fix);
}

const char* const kCorrupt = "the file is damaged or was edited";

}  // namespace

void check_layer_values(const std::string& path, const std::string& group, const LayerImpl& layer,
                        const std::vector<Tensor>& values) {
  const auto names = layer.weight_names();
  const auto nonnegative = layer.variable_nonnegative();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const bool positive = i < nonnegative.size() && nonnegative[i];
    const BadValue b = scan(values[i], positive, layer.negative_tolerance());
    if (b.index < 0) continue;
    const std::string name = i < names.size() ? names[i] : "variable " + std::to_string(i);
    const std::string variable = "layers/" + group + "/vars/" + std::to_string(i) + " (" + name +
                                 " of layer '" + layer.name() + "')";
    if (!std::isfinite(b.value))
      bad_values(path, variable, values[i], positive, b,
                 std::string("the training that saved it diverged, or ") + kCorrupt +
                     "; a NaN or infinite weight makes every prediction NaN, so such a file is "
                     "never loaded",
                 "load a checkpoint saved before the loss became NaN (TerminateOnNaN stops fit "
                 "before it updates weights with a NaN loss)");
    std::string order;
    for (const auto& n : names) order += (order.empty() ? "" : ", ") + n;
    const bool normalizes = layer.facts().value_rule == checks::ValueRule::normalizes;
    const double tol = layer.negative_tolerance();
    bad_values(path, variable, values[i], positive, b,
               std::string(kCorrupt) + " (a flipped sign bit makes a value negative): no training "
               "makes " + name + (tol > 0 ? " below -" + number(tol) + " (rounding in training "
                                            "gives at most tiny negatives, which load)"
                                          : " negative") +
                   (normalizes ? "; the layer divides by sqrt(" + name + " + epsilon), which is "
                                 "NaN once a value is below -epsilon (every prediction NaN)"
                               : std::string()),
               "load the checkpoint as it was saved, or an earlier one; a file written by another "
               "program must hold the layer's variables in the order " + order);
  }
}

void check_optimizer_values(const std::string& path, const OptimizerImpl& opt,
                            const std::vector<Tensor>& values,
                            const std::vector<std::string>& variable_names) {
  const std::string fix = "load an earlier checkpoint, or load these weights into a model "
                          "that is not compiled and compile it afterwards (a fresh optimizer)";
  const std::int64_t it = values[0].data<std::int64_t>()[0];
  if (it < 0 || it > OptimizerImpl::kMaxIterations)
    format_error(path, "weights file", {"optimizer/vars/0 (iteration) holds an impossible count",
        "0 .. 2^53 (" + std::to_string(OptimizerImpl::kMaxIterations) + ") steps",
        std::to_string(it), std::string(kCorrupt) + " (a flipped sign bit turns 2 into "
        "-2^63+2); training on from it would make " + opt.name() + "'s update NaN or overflow "
        "the step counter", fix});
  // With a schedule the file holds no rate (values[1] is the schedule's, 0 at a warmup's start).
  const double lr = values[1].item();
  if (!opt.schedule().defined() && (!std::isfinite(lr) || lr <= 0))
    format_error(path, "weights file", {"optimizer/vars/1 (learning_rate) holds an impossible "
        "learning rate", "a finite learning rate > 0", number(lr), std::string(kCorrupt) +
        "; training on with it would make every weight NaN or move it the wrong way", fix});
  const std::size_t k = static_cast<std::size_t>(opt.slot_count());
  for (std::size_t i = 2; i < values.size(); ++i) {
    const std::size_t var = (i - 2) / (k ? k : 1), j = (i - 2) % (k ? k : 1);
    const std::string owner = var < variable_names.size() ? variable_names[var]
                                                          : "variable " + std::to_string(var);
    check_values(path, "optimizer/vars/" + std::to_string(i) + " (" +
                           opt.slot_name(static_cast<int>(j)) + " of " + owner + ")",
                 values[i], opt.slot_nonnegative(static_cast<int>(j)),
                 std::string(kCorrupt) + "; training on from this state would make the weights "
                 "NaN at the next step", fix);
  }
}

}  // namespace tenet::data::detail
