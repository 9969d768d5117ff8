#include <tenet/losses/mean_squared_error.hpp>

#include <tenet/core/ops/ops.hpp>
#include "losses/label_checks.hpp"

namespace tenet {

namespace {

class MeanSquaredErrorImpl : public LossImpl {
 public:
  std::string name() const override { return "mean_squared_error"; }
  LabelKind label_kind() const override { return LabelKind::dense; }
  void check_labels(const Shape& predictions, const Tensor& labels, Phase phase,
                    const Site& where) const override {
    labels::check_dense(predictions, labels, phase, where);
  }
  // Keras: mean over the last axis, then over the batch; with equal shapes, the overall mean.
  Tensor compute(const Tensor& predictions, const Tensor& labels) const override {
    Tensor y = labels.dtype() == DType::f32 ? labels : labels.astype(DType::f32);
    if (!(y.shape() == predictions.shape())) y = y.reshape(predictions.shape());  // (N,) -> (N, 1)
    return square(predictions - y.detach()).mean();
  }
};

}  // namespace

MeanSquaredError::MeanSquaredError() : Loss(std::make_shared<MeanSquaredErrorImpl>()) {}

}  // namespace tenet
