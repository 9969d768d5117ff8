#include <tenet/layers/batch_norm.hpp>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/kernels/batch_norm.hpp"
#include "core/kernels/context.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

namespace {

// A training-mode call's batch statistics, waiting for commit_step.
struct PendingStats {
  Tensor mean, variance;  // (C,)
};

class BatchNormImpl : public LayerImpl {
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
    std::int64_t c = s.rank() >= 2 ? s[s.rank() - 1] : kUnknown;
    std::int64_t want = built() ? features_ : kUnknown;
    if (s.rank() >= 2 && c >= 0 && (want < 0 || c == want)) return s;
    checks::Violation v("batchnorm.features", phase, site());
    if (s.rank() < 2)
      v.summary("BatchNorm needs a feature axis after the batch axis")
          .expected("(None, features) or (None, height, width, channels)")
          .actual(s)
          .cause(checks::input_desc(0) + " has no axis to normalise")
          .fix("give the layer (batch, features) or (batch, height, width, channels) tensors");
    else if (c < 0)
      v.summary("BatchNorm needs a known size on its last axis to create gamma and beta")
          .expected("a known size on the last axis")
          .actual(s)
          .mark({s.rank() - 1})
          .cause(checks::input_desc(0) + " has an unknown last axis")
          .fix("give the Input a fixed channel/feature count");
    else
      v.summary("BatchNorm was built for " + std::to_string(want) + " features but receives " +
                std::to_string(c))
          .expected(s.with(s.rank() - 1, want))
          .actual(s)
          .mark({s.rank() - 1})
          .cause("'" + name() + "' was built for " + std::to_string(want) +
                 " features (gamma is (" + std::to_string(want) + ",)) but now receives " +
                 checks::input_desc(0))
          .fix("fix the upstream width so it gives " + std::to_string(want) +
               " features, or use a new BatchNorm layer for this input");
    v.raise();
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
  std::vector<bool> trainable() const override { return {true, true, false, false}; }
  bool fuses_relu() const override { return true; }
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

 private:
  BatchNormOptions opt_;
  std::int64_t features_ = 0;
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  std::vector<PendingStats> pending_;
  kernels::NormPlans plans_;
};

Tensor BatchNormImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  const Tensor& x = in[0];
  const kernels::NormMode mode{features_, opt_.epsilon, opts.training, opts.relu_after};
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
