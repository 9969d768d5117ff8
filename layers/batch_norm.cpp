#include <tenet/layers/batch_norm.hpp>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/kernels/batch_norm.hpp"
#include "core/kernels/context.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

namespace {

// A training-mode call's batch statistics, waiting for commit_step.
struct PendingStats {
  Tensor mean, variance;  // (C,)
};

class BatchNormImpl : public LayerImpl, public fusion::Fusable {
 public:
  BatchNormImpl(BatchNormOptions o, std::source_location loc)
      : LayerImpl("BatchNorm", "batch_normalization", o.name, loc), opt_(o) {
    // momentum 1 keeps the moving statistics frozen; epsilon keeps sqrt(var + epsilon) > 0.
    checks::check_option_real("BatchNormOptions::momentum", o.momentum, 0.0, 1.0, true, site(),
                              Phase::build,
                              "the moving statistics are updated as moving * momentum + batch * "
                              "(1 - momentum); a momentum outside [0, 1] weighs them negatively "
                              "and they diverge");
    checks::check_option_above("BatchNormOptions::epsilon", o.epsilon, 0.0, site(), Phase::build);
  }

  // Any shape (batch, ..., features) -> the same shape.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    const Shape& s = in[0];
    checks::check_known_last_axis("batchnorm.features", site(), s, "gamma and beta", phase);
    checks::check_built_size("batchnorm.features", site(), facts(), s, phase);
    return s;
  }

  void build(const std::vector<Shape>& in) override {
    features_ = in[0][in[0].rank() - 1];
    gamma_ = Tensor::ones({features_}).requires_grad(true);
    beta_ = Tensor::zeros({features_}).requires_grad(true);
    moving_mean_ = Tensor::zeros({features_});
    moving_variance_ = Tensor::ones({features_});
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override;

  std::vector<Tensor> weights() const override {
    if (!built()) return {};
    return {gamma_, beta_, moving_mean_, moving_variance_};
  }
  std::vector<std::string> weight_names() const override {
    return {"gamma", "beta", "moving_mean", "moving_variance"};
  }
  std::vector<bool> variable_trainable() const override { return {true, true, false, false}; }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.value_rule = checks::ValueRule::normalizes;
    if (built()) f.built_last_axis = features_, f.built_weight = "gamma " + gamma_.shape().str();
    return f;
  }
  fusion::Facts fusion_facts() const override { return {.op = fusion::Op::batch_norm}; }
  std::string describe() const override {
    std::string m = std::to_string(opt_.momentum);
    m.erase(m.find_last_not_of('0') + 1);
    return "momentum " + m;
  }

  void commit_step() override {
    float m = static_cast<float>(opt_.momentum);
    float* mean = moving_mean_.data<float>();
    float* var = moving_variance_.data<float>();
    for (const PendingStats& p : pending_) {
      const float* bm = p.mean.data<float>();
      const float* bv = p.variance.data<float>();
      for (std::int64_t i = 0; i < features_; ++i) {
        mean[i] = mean[i] * m + bm[i] * (1.0f - m);
        var[i] = var[i] * m + bv[i] * (1.0f - m);
      }
    }
    pending_.clear();
  }
  void discard_step() override { pending_.clear(); }

  std::vector<LayerOption> options() const override {
    return {{"momentum", opt_.momentum}, {"epsilon", opt_.epsilon}};
  }

 private:
  BatchNormOptions opt_;
  std::int64_t features_ = 0;
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  std::vector<PendingStats> pending_;
  kernels::NormPlans plans_;
};

Tensor BatchNormImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  const Tensor& x = in[0];
  // relu: a fused node (BatchNorm+ReLU, core/training/fusion) has the ReLU after applied here.
  const bool relu = fusion::role_of(this).apply_relu;
  // A frozen BatchNorm runs in inference mode, as Keras's does (training and self.trainable).
  const kernels::NormMode mode{features_, opt_.epsilon, opts.training && is_trainable(), relu};
  const std::string where = name() + (mode.relu ? " (BatchNorm + ReLU)" : " (BatchNorm)");
  // Nothing to normalise (a zero-size axis): oneDNN cannot take it; statistics stay unchanged.
  if (x.numel() == 0) return Tensor::zeros(x.shape());
  std::shared_ptr<const kernels::NormPlan> plan;
  Tensor y;
  // Training: fresh batch statistics (outputs); inference: the moving ones (inputs).
  kernels::NormState state{gamma_, beta_,
                           mode.training ? Tensor::empty({features_}) : moving_mean_.detach(),
                           mode.training ? Tensor::empty({features_}) : moving_variance_.detach(),
                           Tensor()};
  kernels::guarded(where, {x.shape()}, [&] {
    plan = kernels::batch_norm_plan(plans_, x, mode);
    y = kernels::batch_norm_forward(*plan, x, state);
  });
  if (mode.training && check_numerics())
    numerics::check_batch_statistics(state.mean, state.variance, x, site());
  if (mode.training) pending_.push_back({state.mean, state.variance});
  // Inference snapshots the moving statistics so a later commit cannot change this backward.
  if (!mode.training && needs_grad({x, gamma_, beta_})) {
    state.mean = state.mean.clone();
    state.variance = state.variance.clone();
  }
  return attach_grad(y, where, {x, gamma_, beta_}, [plan, x, state, where](const Tensor& dout) {
    std::vector<Tensor> grads;
    kernels::guarded(where + " backward", {x.shape(), dout.shape()},
                     [&] { grads = kernels::batch_norm_backward(*plan, x, dout, state); });
    return grads;
  });
}

}  // namespace

BatchNorm::BatchNorm(BatchNormOptions options, std::source_location loc)
    : Layer(std::make_shared<BatchNormImpl>(options, loc)) {}

void BatchNorm::commit() const { impl_->commit_step(); }
void BatchNorm::discard() const { impl_->discard_step(); }

}  // namespace tenet
