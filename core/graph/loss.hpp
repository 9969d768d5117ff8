#pragma once
// Loss: the base of every loss. A loss maps (predictions, labels) to a scalar mean over the
// batch with autograd, and owns its label contracts (loss.label_shape, loss.label_range,
// loss.label_dtype), which Model checks on the whole label array before the first step.
#include <memory>
#include <source_location>
#include <string>

#include <tenet/core/base/error.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

enum class LabelKind { sparse, one_hot, dense };  // class indices, one-hot rows, real targets

class LossImpl {
 public:
  virtual ~LossImpl() = default;
  virtual std::string name() const = 0;  // Keras's name: "sparse_categorical_crossentropy"
  virtual LabelKind label_kind() const = 0;
  // True for a crossentropy built with from_logits (Keras's config key), for model files.
  virtual bool from_logits() const { return false; }
  // Checks the labels against the predictions' shape (batch axis may be unknown). Raises
  // loss.label_shape / loss.label_range / loss.label_dtype through core/checks.
  virtual void check_labels(const Shape& predictions, const Tensor& labels, Phase phase,
                            const Site& where) const = 0;
  // Mean loss over the batch, shape (), differentiable with respect to `predictions`.
  virtual Tensor compute(const Tensor& predictions, const Tensor& labels) const = 0;
};

class Loss {
 public:
  Loss() = default;
  explicit Loss(std::shared_ptr<LossImpl> impl) : impl_(std::move(impl)) {}
  // `loc`: the user's line of a direct call, named by the loss's errors ("called at").
  Tensor operator()(const Tensor& predictions, const Tensor& labels,
                    std::source_location loc = std::source_location::current()) const;
  const std::shared_ptr<LossImpl>& impl() const { return impl_; }
  bool defined() const { return impl_ != nullptr; }

 protected:
  std::shared_ptr<LossImpl> impl_;
};

}  // namespace tenet
