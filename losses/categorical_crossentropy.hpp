#pragma once
// CategoricalCrossentropy: labels are one-hot rows (N, C) in float; predictions are
// probabilities (N, C), or logits with from_logits = true. Result: the mean over the batch, ().
// As Keras: probabilities are normalised to sum 1 and clipped to [1e-7, 1 - 1e-7]; with logits
// softmax and cross-entropy are one fused, numerically stable op.
#include <tenet/core/graph/loss.hpp>

namespace tenet {

struct CrossentropyOptions {
  bool from_logits = false;  // true when the last layer has no softmax
};

class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(CrossentropyOptions options = {});
};

// Mean cross-entropy of predictions (..., C) against float targets (..., C) of the same shape,
// differentiable with respect to `predictions`. Shared by both cross-entropy losses.
Tensor crossentropy_mean(const Tensor& predictions, const Tensor& targets, bool from_logits);

// The clipping bound of Keras's backend.epsilon().
inline constexpr double kLossEpsilon = 1e-7;

}  // namespace tenet
