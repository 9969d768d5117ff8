#pragma once
// The label contracts shared by the losses: batch.mismatch, loss.label_shape,
// loss.label_range and loss.label_dtype. Each raises through core/checks with the
// predictions' shape as context; `predictions` may have an unknown (None) batch axis.
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::labels {

// Labels and predictions must hold the same number of samples (axis 0), when both are known.
void check_count(const Shape& predictions, const Tensor& labels, Phase phase, const Site& where);

// One-hot rows (N, C) in a floating dtype for CategoricalCrossentropy.
void check_one_hot(const Shape& predictions, const Tensor& labels, Phase phase,
                   const Site& where);

// Integer class indices (N,) or (N, 1) in [0, C) for SparseCategoricalCrossentropy.
void check_sparse(const Shape& predictions, const Tensor& labels, Phase phase,
                  const Site& where);

// Real targets of the predictions' shape for regression losses; (N,) is accepted for (N, 1).
void check_dense(const Shape& predictions, const Tensor& labels, Phase phase, const Site& where);

// Binary targets for BinaryCrossentropy: the predictions' shape ((N,) for (N, 1)), every
// value in [0, 1] (loss.label_range explains +-1 codes, 0/255 masks and class indices).
void check_binary(const Shape& predictions, const Tensor& labels, Phase phase,
                  const Site& where);

}  // namespace tenet::labels
