#include "losses/label_checks.hpp"

#include <cmath>
#include <algorithm>

#include "core/contracts/label_checks.hpp"

namespace tenet::labels {

namespace {

std::string n_str(std::int64_t n) { return std::to_string(n); }

// What the label checks read of the labels: shape, dtype and, for integer labels against
// `classes` classes, their range and the first index outside [0, classes).
checks::LabelFacts facts_of(const Tensor& labels, std::int64_t classes) {
  checks::LabelFacts f{labels.shape(), labels.dtype()};
  if (is_floating(labels.dtype()) || labels.numel() == 0 || classes < 0) return f;
  const auto v = labels.to_vector<std::int64_t>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  f.lo = *lo;
  f.hi = *hi;
  for (std::size_t i = 0; i < v.size() && f.first_outside < 0; ++i)
    if (v[i] < 0 || v[i] >= classes) f.first_outside = static_cast<std::int64_t>(i), f.outside_value = v[i];
  return f;
}

std::int64_t classes_of(const Shape& p) { return p.rank() > 0 ? p.dim(-1) : kUnknown; }

}  // namespace

void check_count(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  if (p.rank() == 0 || labels.rank() == 0 || p[0] < 0 || p[0] == labels.dim(0)) return;
  checks::Violation("batch.mismatch", phase, where)
      .summary("predictions and labels hold different numbers of samples (" + n_str(p[0]) +
               " vs " + n_str(labels.dim(0)) + ")")
      .expected(labels.shape().with(0, p[0]).str() + ": one label per prediction")
      .actual(labels.shape())
      .mark({0})
      .cause("there are " + n_str(p[0]) + " predictions " + p.str() + " and " +
             n_str(labels.dim(0)) + " labels " + labels.shape().str() + "; the loss pairs "
             "prediction i with label i, so axis 0 (samples) must match")
      .fix("give the loss one label per prediction: take predictions and labels from the "
           "same samples (slice both with the same indices)")
      .raise();
}

void check_one_hot(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_count(p, labels, phase, where);
  checks::check_one_hot_labels(p, facts_of(labels, kUnknown), phase, where);
}

void check_dense(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_count(p, labels, phase, where);
  checks::check_dense_targets(p, facts_of(labels, kUnknown), phase, where);
}

void check_sparse(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_count(p, labels, phase, where);
  checks::check_sparse_labels(p, facts_of(labels, classes_of(p)), phase, where);
}

}  // namespace tenet::labels

namespace tenet::labels {

namespace {

// Why binary targets hold values outside [0, 1], read from the values themselves.
std::pair<std::string, std::string> binary_range_explanation(double lo, double hi,
                                                             bool integral) {
  if (lo == -1 && hi == 1 && integral)
    return {"the targets are -1 and 1: a +-1 encoding (as for a hinge loss), while "
            "binary cross-entropy reads each target as the probability of 'yes'",
            "map them to 0 and 1 with (y + 1) / 2"};
  if (lo >= 0 && hi == 255 && integral)
    return {"the targets run up to 255: a 0/255 mask (an 8-bit image of the answer)",
            "divide the targets by 255"};
  if (lo >= 0 && integral && hi > 1)
    return {"the targets are whole numbers from " + checks::option_value(lo) + " to " +
                checks::option_value(hi) + ": they look like class indices of " +
                checks::option_value(hi + 1) + " classes, not yes/no answers",
            "for one class out of several, end the model with Dense(" +
                checks::option_value(hi + 1) + ", softmax) and use "
                "SparseCategoricalCrossentropy; for independent yes/no outputs give 0/1 targets"};
  return {"binary cross-entropy reads each target as the probability of 'yes', which must lie "
          "in [0, 1]",
          "rescale or recode the targets into [0, 1]"};
}

}  // namespace

void check_binary(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_dense(p, labels, phase, where);
  const auto v = labels.to_vector<double>();
  double lo = 0, hi = 1;
  bool integral = true, bad = false;
  std::size_t first = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool inside = v[i] >= 0 && v[i] <= 1;  // false for NaN
    if (!inside && !bad) first = i;
    bad = bad || !inside;
    if (std::isnan(v[i])) continue;
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    integral = integral && v[i] == std::floor(v[i]);
  }
  if (!bad) return;
  const auto [cause, fix] = binary_range_explanation(lo, hi, integral);
  checks::Violation("loss.label_range", phase, where)
      .summary("binary target " + checks::option_value(v[first]) + " (element " +
               std::to_string(first) + ") is outside [0, 1]")
      .expected("targets in [0, 1] (0 = no, 1 = yes)")
      .actual("element " + std::to_string(first) + " is " + checks::option_value(v[first]) +
              " (targets range from " + checks::option_value(lo) + " to " +
              checks::option_value(hi) + ")")
      .cause(cause)
      .fix(fix)
      .raise();
}

}  // namespace tenet::labels
