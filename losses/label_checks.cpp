#include "losses/label_checks.hpp"

#include <cmath>
#include <algorithm>

#include "core/contracts/label_checks.hpp"
#include "core/tensor/tensor_impl.hpp"

namespace tenet::labels {

namespace {

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

// True when every target is a float32 in [0, 1] read in place, without a copy: one-hot labels
// at every step take this path (NaN fails it).
bool all_in_unit(const Tensor& labels) {
  if (labels.dtype() != DType::f32 || !reads_as_is(labels)) return false;
  const float* p = labels.data<float>();
  bool ok = true;
  for (std::int64_t i = 0, n = labels.numel(); i < n; ++i) ok &= (p[i] >= 0.0f) & (p[i] <= 1.0f);
  return ok;
}

// Whether some target lies outside [0, 1] (NaN included); `f` gets the first such value and the
// range and wholeness of the others.
bool outside_unit(const Tensor& labels, checks::BinaryTargets& f) {
  const auto v = labels.to_vector<double>();
  bool bad = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool inside = v[i] >= 0 && v[i] <= 1;  // false for NaN
    if (!inside && !bad) f.first = i, f.value = v[i];
    bad = bad || !inside;
    if (std::isnan(v[i])) continue;
    f.lo = std::min(f.lo, v[i]);
    f.hi = std::max(f.hi, v[i]);
    f.integral = f.integral && v[i] == std::floor(v[i]);
  }
  return bad;
}

}  // namespace

void check_count(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  checks::check_label_count(p, labels.shape(), phase, where);
}

void check_one_hot(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_count(p, labels, phase, where);
  checks::check_one_hot_labels(p, facts_of(labels, kUnknown), phase, where);
  checks::BinaryTargets f;
  if (!all_in_unit(labels) && outside_unit(labels, f))
    checks::categorical_target_range(f, labels.shape(), phase, where);
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

void check_binary(const Shape& p, const Tensor& labels, Phase phase, const Site& where) {
  check_dense(p, labels, phase, where);
  checks::BinaryTargets f;
  if (!all_in_unit(labels) && outside_unit(labels, f)) checks::binary_target_range(f, phase, where);
}

}  // namespace tenet::labels
