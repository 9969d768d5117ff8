#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include <tenet/core/ops/ops.hpp>
#include "losses/label_checks.hpp"

namespace tenet {

namespace {

// Class indices (M,) of any integer dtype -> float32 one-hot rows (M, C). Indices were checked
// by check_labels; an index outside [0, C) here is tenet's own bug.
Tensor one_hot_rows(const Tensor& labels, std::int64_t classes) {
  auto idx = labels.to_vector<std::int64_t>();
  const auto m = static_cast<std::int64_t>(idx.size());
  Tensor y = Tensor::zeros({m, classes});  // (M, C)
  float* py = y.data<float>();
  for (std::int64_t i = 0; i < m; ++i) {
    if (idx[i] < 0 || idx[i] >= classes)
      internal_error("a sparse label escaped check_labels: " + std::to_string(idx[i]));
    py[i * classes + idx[i]] = 1.0f;
  }
  return y;
}

class SparseCategoricalCrossentropyImpl : public LossImpl {
 public:
  explicit SparseCategoricalCrossentropyImpl(CrossentropyOptions o) : opt_(o) {}
  bool from_logits() const override { return opt_.from_logits; }
  std::string name() const override { return "sparse_categorical_crossentropy"; }
  LabelKind label_kind() const override { return LabelKind::sparse; }
  void check_labels(const Shape& predictions, const Tensor& labels, Phase phase,
                    const Site& where) const override {
    labels::check_sparse(predictions, labels, phase, where);
  }
  Tensor compute(const Tensor& predictions, const Tensor& labels) const override {
    const std::int64_t c = predictions.dim(-1);
    Tensor p = predictions.rank() == 2 ? predictions : predictions.reshape({-1, c});  // (M, C)
    return crossentropy_mean(p, one_hot_rows(labels, c), opt_.from_logits);
  }

 private:
  CrossentropyOptions opt_;
};

}  // namespace

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(CrossentropyOptions options)
    : Loss(std::make_shared<SparseCategoricalCrossentropyImpl>(options)) {}

}  // namespace tenet
