#include "core/loss.hpp"

#include "core/checks.hpp"

namespace tenet {

Tensor Loss::operator()(const Tensor& predictions, const Tensor& labels) const {
  if (!impl_)
    checks::empty_handle("the Loss that was called", "Loss", Site("Loss", "handle"), Phase::run);
  if (!predictions.defined() || !labels.defined()) {
    const Site site(impl_->name(), "Loss");
    checks::defined(predictions, "the predictions given to loss '" + impl_->name() + "'", site);
    checks::defined(labels, "the labels given to loss '" + impl_->name() + "'", site);
  }
  impl_->check_labels(predictions.shape(), labels, Phase::run, Site(impl_->name(), "Loss"));
  return impl_->compute(predictions, labels);
}

}  // namespace tenet
