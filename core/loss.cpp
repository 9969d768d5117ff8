#include "core/loss.hpp"

namespace tenet {

Tensor Loss::operator()(const Tensor& predictions, const Tensor& labels) const {
  if (!impl_) internal_error("a default-constructed Loss was called");
  impl_->check_labels(predictions.shape(), labels, Phase::run, Site(impl_->name(), "Loss"));
  return impl_->compute(predictions, labels);
}

}  // namespace tenet
