#include <tenet/losses/categorical_crossentropy.hpp>

#include <cmath>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>
#include "losses/label_checks.hpp"

namespace tenet {

namespace {

// Fused softmax cross-entropy on logits z (M, C) and targets y (M, C), both float32:
//   loss = mean_i [ lse(z_i) * sum_c y_ic - sum_c y_ic z_ic ],  lse(z) = m + log sum exp(z - m)
//   dz   = dout * (softmax(z) * sum_c y_ic - y) / M   (= (softmax(z) - onehot) / M for one-hot)
// Shifting by the row maximum m keeps logits like 1000 finite.
Tensor softmax_crossentropy(const Tensor& z, const Tensor& y) {
  const std::int64_t m = z.dim(0), c = z.dim(1);
  const float* pz = z.data<float>();  // (M, C)
  const float* py = y.data<float>();  // (M, C)
  Tensor probs = Tensor::empty(z.shape());  // (M, C) softmax, kept for the backward pass
  float* pp = probs.data<float>();
  double total = 0;
  for (std::int64_t i = 0; i < m; ++i) {
    const float* zi = pz + i * c;
    const float* yi = py + i * c;
    double mx = zi[0], s = 0, ysum = 0, yz = 0;
    for (std::int64_t k = 1; k < c; ++k) mx = std::max(mx, static_cast<double>(zi[k]));
    for (std::int64_t k = 0; k < c; ++k) s += std::exp(zi[k] - mx);
    for (std::int64_t k = 0; k < c; ++k) {
      pp[i * c + k] = static_cast<float>(std::exp(zi[k] - mx) / s);
      ysum += yi[k];
      yz += static_cast<double>(yi[k]) * zi[k];
    }
    total += (mx + std::log(s)) * ysum - yz;
  }
  Tensor out = Tensor::scalar(m > 0 ? total / static_cast<double>(m) : 0.0);
  Tensor yd = y.detach();
  return attach_grad(out, "softmax_crossentropy", {z}, [probs, yd, m, c](const Tensor& dout) {
    const double scale = dout.item() / static_cast<double>(std::max<std::int64_t>(m, 1));
    Tensor dz = Tensor::empty(probs.shape());  // (M, C)
    const float* pp = probs.data<float>();
    const float* py = yd.data<float>();
    float* pd = dz.data<float>();
    for (std::int64_t i = 0; i < m; ++i) {
      double ysum = 0;
      for (std::int64_t k = 0; k < c; ++k) ysum += py[i * c + k];
      for (std::int64_t k = 0; k < c; ++k)
        pd[i * c + k] = static_cast<float>((pp[i * c + k] * ysum - py[i * c + k]) * scale);
    }
    return std::vector<Tensor>{dz};
  });
}

class CategoricalCrossentropyImpl : public LossImpl {
 public:
  explicit CategoricalCrossentropyImpl(CrossentropyOptions o) : opt_(o) {}
  bool from_logits() const override { return opt_.from_logits; }
  std::string name() const override { return "categorical_crossentropy"; }
  LabelKind label_kind() const override { return LabelKind::one_hot; }
  void check_labels(const Shape& predictions, const Tensor& labels, Phase phase,
                    const Site& where) const override {
    labels::check_one_hot(predictions, labels, phase, where);
  }
  Tensor compute(const Tensor& predictions, const Tensor& labels) const override {
    Tensor y = labels.dtype() == DType::f32 ? labels : labels.astype(DType::f32);
    return crossentropy_mean(predictions, y.detach(), opt_.from_logits);
  }

 private:
  CrossentropyOptions opt_;
};

}  // namespace

Tensor crossentropy_mean(const Tensor& predictions, const Tensor& targets, bool from_logits) {
  const std::int64_t c = predictions.dim(-1);
  Tensor p = predictions.rank() == 2 ? predictions : predictions.reshape({-1, c});  // (M, C)
  Tensor y = targets.rank() == 2 ? targets : targets.reshape({-1, c});              // (M, C)
  if (from_logits) return softmax_crossentropy(p, y);
  // Keras: p / sum(p), clipped to [eps, 1 - eps], then -sum(y * log p) per row.
  Tensor q = clip(p / p.sum(-1, true), kLossEpsilon, 1.0 - kLossEpsilon);
  return -(y * log(q)).sum(-1).mean();
}

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyOptions options)
    : Loss(std::make_shared<CategoricalCrossentropyImpl>(options)) {}

}  // namespace tenet
