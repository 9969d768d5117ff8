#include <tenet/losses/binary_crossentropy.hpp>

#include <cmath>

#include <tenet/core/ops/ops.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "losses/label_checks.hpp"

namespace tenet {

namespace {

// Mean of max(z, 0) - z y + log(1 + exp(-|z|)) over logits z and targets y of one shape (the
// sigmoid cross-entropy, finite for any z); its gradient is (sigmoid(z) - y) / n.
Tensor sigmoid_crossentropy(const Tensor& z, const Tensor& y) {
  const std::int64_t n = z.numel();
  const float* pz = z.data<float>();
  const float* py = y.data<float>();
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double zi = pz[i];
    total += std::max(zi, 0.0) - zi * py[i] + std::log1p(std::exp(-std::abs(zi)));
  }
  Tensor out = Tensor::scalar(n > 0 ? total / static_cast<double>(n) : 0.0);
  Tensor zd = z.detach(), yd = y.detach();
  return attach_grad(out, "sigmoid_crossentropy", {z}, [zd, yd, n](const Tensor& dout) {
    const double scale = dout.item() / static_cast<double>(std::max<std::int64_t>(n, 1));
    Tensor dz = Tensor::empty(zd.shape());
    const float* pz = zd.data<float>();
    const float* py = yd.data<float>();
    float* pd = dz.data<float>();
    for (std::int64_t i = 0; i < n; ++i)
      pd[i] = static_cast<float>((1.0 / (1.0 + std::exp(-static_cast<double>(pz[i]))) - py[i]) *
                                 scale);
    return std::vector<Tensor>{dz};
  });
}

class BinaryCrossentropyImpl : public LossImpl {
 public:
  explicit BinaryCrossentropyImpl(CrossentropyOptions o) : opt_(o) {}
  std::string name() const override { return "binary_crossentropy"; }
  LabelKind label_kind() const override { return LabelKind::dense; }
  bool from_logits() const override { return opt_.from_logits; }  // kept in model files
  void check_labels(const Shape& predictions, const Tensor& labels, Phase phase,
                    const Site& where) const override {
    labels::check_binary(predictions, labels, phase, where);
  }
  // Keras: mean over the last axis, then over the batch; with equal shapes, the overall mean.
  Tensor compute(const Tensor& predictions, const Tensor& labels) const override {
    Tensor y = labels.dtype() == DType::f32 ? labels : labels.astype(DType::f32);
    if (!(y.shape() == predictions.shape())) y = y.reshape(predictions.shape());  // (N,) -> (N, 1)
    y = y.detach();
    if (opt_.from_logits) return sigmoid_crossentropy(predictions, y);
    const Tensor q = clip(predictions, kLossEpsilon, 1.0 - kLossEpsilon);
    return -(y * log(q) + (1.0 - y) * log(1.0 - q)).mean();
  }

 private:
  CrossentropyOptions opt_;
};

}  // namespace

BinaryCrossentropy::BinaryCrossentropy(CrossentropyOptions options)
    : Loss(std::make_shared<BinaryCrossentropyImpl>(options)) {}

}  // namespace tenet
