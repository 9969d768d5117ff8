#include "core/loss.hpp"

#include "core/checks.hpp"

namespace tenet {

Tensor Loss::operator()(const Tensor& predictions, const Tensor& labels) const {
  if (!impl_) checks::empty_handle("this Loss", "Loss", Site("loss", "Loss"), Phase::run);
  const Site where(impl_->name(), "Loss");
  if (!predictions.defined())
    checks::empty_handle(impl_->name() + "'s predictions", "Tensor", where, Phase::run);
  if (!labels.defined())
    checks::empty_handle(impl_->name() + "'s labels", "Tensor", where, Phase::run);
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
