#pragma once
// The label contracts of the losses (internal): loss.label_shape, loss.label_range and
// loss.label_dtype. Each message is written here once; causes read the facts of the labels the
// loss found (shape, dtype, the range of the indices and the first one outside the classes) and
// the predictions' shape, which may have an unknown (None) batch axis.
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
