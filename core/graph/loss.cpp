#include <tenet/core/graph/loss.hpp>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/user_call.hpp"

namespace tenet {

Tensor Loss::operator()(const Tensor& predictions, const Tensor& labels,
                        std::source_location loc) const {
  const ScopedUserCall user(nullptr, loc);  // the Site names the loss
  if (!impl_)
    checks::empty_handle("the Loss that was called", "Loss", Site("Loss", "handle"), Phase::run);
  const Site where(impl_->name(), "Loss");
  checks::defined(predictions, [&] { return "the predictions given to loss '" + impl_->name() + "'"; }, where);
  checks::defined(labels, [&] { return "the labels given to loss '" + impl_->name() + "'"; }, where);
  // Every loss computes in float32, as the layers do (its fused kernels read float32 directly).
  checks::check_dtype(predictions.dtype(), DType::f32, "input.dtype", where, Phase::run,
                      std::string("a loss compares float32 predictions (a model's outputs) "
                                  "with labels; these predictions are ") +
                          dtype_name(predictions.dtype()),
                      "pass the model's outputs, or predictions.astype(DType::f32) (scaled "
                      "to probabilities or logits)");
  impl_->check_labels(predictions.shape(), labels, Phase::run, where);
  return impl_->compute(predictions, labels);
}

}  // namespace tenet
