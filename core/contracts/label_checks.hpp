#pragma once
// The label contracts of the losses (internal): loss.label_shape, loss.label_range and
// loss.label_dtype. Each message is written here once; causes read the facts of the labels the
// loss found (shape, dtype, the range of the indices and the first one outside the classes) and
// the predictions' shape, which may have an unknown (None) batch axis.
#include <cmath>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

struct LabelFacts {
  Shape shape;
  DType dtype = DType::f32;
  // Integer labels against C classes: their range, and the first index outside [0, C) (-1: none).
  std::int64_t lo = 0, hi = 0;
  std::int64_t first_outside = -1, outside_value = 0;
};

// One-hot rows (N, C) in a floating dtype for CategoricalCrossentropy.
void check_one_hot_labels(const Shape& predictions, const LabelFacts& labels, Phase phase,
                          const Site& where);
// Integer class indices (N,) or (N, 1) in [0, C) for SparseCategoricalCrossentropy.
void check_sparse_labels(const Shape& predictions, const LabelFacts& labels, Phase phase,
                         const Site& where);
// Real targets of the predictions' shape for regression losses; (N,) is accepted for (N, 1).
void check_dense_targets(const Shape& predictions, const LabelFacts& labels, Phase phase,
                         const Site& where);

}  // namespace tenet::checks

// ---- counts and ranges read by the losses and by one_hot and confusion_matrix ----
namespace tenet::checks {

// batch.mismatch: labels and predictions hold the same number of samples (axis 0), when both
// are known.
void check_label_count(const Shape& predictions, const Shape& labels, Phase phase,
                       const Site& where);
// What BinaryCrossentropy found in its targets: the first value outside [0, 1] (NaN included)
// and the range and wholeness of the others.
struct BinaryTargets {
  std::size_t first = 0;
  double value = 0;
  double lo = HUGE_VAL, hi = -HUGE_VAL;  // of the values that are not NaN (lo > hi: none)
  bool integral = true;
};
// loss.label_range: binary targets outside [0, 1], explaining +-1 codes, 0/255 masks and
// class indices.
[[noreturn]] void binary_target_range(const BinaryTargets& facts, Phase phase,
                                      const Site& where);
// loss.label_range: categorical cross-entropy targets outside [0, 1] (`facts` as for binary
// targets, counted in the row-major order of `labels`, the labels' shape, which names the
// sample and class of the first one). A negative target leaves the loss without a minimum.
[[noreturn]] void categorical_target_range(const BinaryTargets& facts, const Shape& labels,
                                           Phase phase, const Site& where);
// one_hot's labels: one class index per sample, (N,) or (N, 1) (loss.label_shape).
void check_one_hot_input(const Shape& labels, const Site& where);
// A class index `value` at sample `i` given to `where.name` (one_hot, confusion_matrix): a whole
// number (loss.label_dtype) in [0, classes) (loss.label_range). `call` starts the call that
// the fix suggests with one more class: "one_hot(labels, ".
void check_class_index(double value, std::int64_t i, std::int64_t classes,
                       const std::string& call, const Site& where);

}  // namespace tenet::checks
