#include "losses/label_checks.hpp"

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
      .cause("the model produced " + n_str(p[0]) + " predictions but " + n_str(labels.dim(0)) +
             " labels were given; the inputs and labels were sliced, filtered or generated "
             "separately. This is a sample-count mismatch: resizing or reshaping the images "
             "cannot fix it")
      .fix("give x and y the same number of samples (slice both with the same indices), or "
           "fix the generator so each batch yields as many labels as images")
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
