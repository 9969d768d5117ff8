#include <tenet/layers/batch_norm.hpp>

#include <cmath>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/graph/builtin.hpp"
#include "core/kernels/batch_norm.hpp"
#include "core/kernels/context.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

namespace {

// A training-mode call's batch statistics, waiting for commit_step.
struct PendingStats {
  Tensor mean, variance;  // (C,)
};

// The statistics of the training-mode calls since the last commit, applied by commit_step in
// call order (Keras applies one update per call). Past kExact calls without a commit (a
// Model::call loop in training mode that nothing commits) the oldest are folded into one
// update of the same effect, moving * momentum^k + b, so memory stays bounded; up to kExact
// calls per commit the result is bit for bit the calls applied one by one.
class PendingUpdates {
 public:
  void add(PendingStats p, float m) {
    if (exact_.size() == kExact) {
      const std::size_t n = static_cast<std::size_t>(p.mean.numel());
      if (!folded_) fold_mean_.assign(n, 0.0f), fold_var_.assign(n, 0.0f), fold_scale_ = 1.0f;
      for (const PendingStats& q : exact_) {
        step(fold_mean_.data(), q.mean.data<float>(), n, m);
        step(fold_var_.data(), q.variance.data<float>(), n, m);
        fold_scale_ *= m;
      }
      folded_ = true;
      exact_.clear();
    }
    exact_.push_back(std::move(p));
  }
  void apply(float* mean, float* var, std::size_t n, float m) const {
    if (folded_)
      for (std::size_t i = 0; i < n; ++i)
        mean[i] = mean[i] * fold_scale_ + fold_mean_[i], var[i] = var[i] * fold_scale_ + fold_var_[i];
    for (const PendingStats& p : exact_) {
      step(mean, p.mean.data<float>(), n, m);
      step(var, p.variance.data<float>(), n, m);
    }
  }
  void clear() { exact_.clear(), folded_ = false; }
  bool empty() const { return exact_.empty() && !folded_; }

 private:
  static constexpr std::size_t kExact = 16;
  static void step(float* moving, const float* batch, std::size_t n, float m) {
    for (std::size_t i = 0; i < n; ++i) moving[i] = moving[i] * m + batch[i] * (1.0f - m);
  }
  std::vector<PendingStats> exact_;
  std::vector<float> fold_mean_, fold_var_;
  float fold_scale_ = 1.0f;
  bool folded_ = false;
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
    checks::check_option_float32(
        "BatchNormOptions::epsilon", o.epsilon,
        "epsilon keeps sqrt(variance + epsilon) above 0, where a feature whose values are all "
        "equal (variance 0) would normalise as 0 / 0 = NaN",
        site(), Phase::build,
        {.computes = "BatchNorm",
         .if_inf = "it becomes inf and every output beta, whatever the input",
         .usual = "1e-5 to 1e-3; Keras's default is 0.001"});
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
  std::vector<bool> variable_nonnegative() const override { return {false, false, false, true}; }
  double negative_tolerance() const override { return opt_.epsilon; }
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
    if (pending_.empty()) return;  // nothing to apply (a layer never called has no statistics)
    pending_.apply(moving_mean_.data<float>(), moving_variance_.data<float>(),
                   static_cast<std::size_t>(features_), static_cast<float>(opt_.momentum));
    pending_.clear();
  }
  void discard_step() override { pending_.clear(); }

  // Data-parallel with synchronised statistics (docs/distributed.md): the global batch's.
  void global_statistics(const Tensor& x, const kernels::NormMode& mode, kernels::NormState& state,
                         ReplicaSums& sums);
  Tensor global_backward(const Tensor& x, const Tensor& dout, const kernels::NormMode& mode,
                         const kernels::NormState& state, ReplicaSums& sums,
                         std::vector<Tensor>& grads);

  std::vector<LayerOption> options() const override {
    return {{"momentum", opt_.momentum}, {"epsilon", opt_.epsilon}};
  }

 private:
  BatchNormOptions opt_;
  std::int64_t features_ = 0;
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  PendingUpdates pending_;
  kernels::NormPlans plans_;
};

Tensor BatchNormImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  const Tensor& x = in[0];
  // relu: a fused node (BatchNorm+ReLU, core/training/fusion) has the ReLU after applied here.
  const bool relu = fusion::role_of(this).apply_relu;
  // A frozen BatchNorm runs in inference mode, as Keras's does (training and self.trainable).
  const bool training = opts.training && is_trainable();
  // Synchronised statistics: computed over every rank's shard, then given to the kernel.
  const std::shared_ptr<ReplicaSums> sums = training ? current_replica_sums() : nullptr;
  const kernels::NormMode mode{features_, opt_.epsilon, training && !sums, relu};
  const std::string where = name() + (mode.relu ? " (BatchNorm + ReLU)" : " (BatchNorm)");
  // Nothing to normalise (a zero-size axis): oneDNN cannot take it; statistics stay unchanged.
  if (x.numel() == 0) return Tensor::zeros(x.shape());
  std::shared_ptr<const kernels::NormPlan> plan;
  Tensor y;
  // Training: fresh batch statistics (outputs); inference: the moving ones (inputs).
  kernels::NormState state{gamma_, beta_,
                           training ? Tensor::empty({features_}) : moving_mean_.detach(),
                           training ? Tensor::empty({features_}) : moving_variance_.detach(),
                           Tensor()};
  if (sums) global_statistics(x, mode, state, *sums);
  kernels::guarded(where, {x.shape()}, [&] {
    plan = kernels::batch_norm_plan(plans_, x, mode);
    y = kernels::batch_norm_forward(*plan, x, state);
  });
  if (training && check_numerics())
    numerics::check_batch_statistics(state.mean, state.variance, x, site());
  if (training) pending_.add({state.mean, state.variance}, static_cast<float>(opt_.momentum));
  // Inference snapshots the moving statistics so a later commit cannot change this backward.
  if (!training && needs_grad({x, gamma_, beta_})) {
    state.mean = state.mean.clone();
    state.variance = state.variance.clone();
  }
  return attach_grad(y, where, {x, gamma_, beta_}, [this, plan, x, state, where, mode,
                                                     sums](const Tensor& dout) {
    std::vector<Tensor> grads;
    kernels::guarded(where + " backward", {x.shape(), dout.shape()},
                     [&] { grads = kernels::batch_norm_backward(*plan, x, dout, state); });
    if (sums) grads[0] = global_backward(x, dout, mode, state, *sums, grads);
    return grads;
  });
}

// Mean and biased variance over the global batch: every rank's (rows, mean, variance), merged
// in rank order (Chan et al.'s pairwise update, in double), the same on every rank. A rank
// whose shard only repeats a row (share 0) counts no row.
void BatchNormImpl::global_statistics(const Tensor& x, const kernels::NormMode& mode,
                                      kernels::NormState& state, ReplicaSums& sums) {
  const std::size_t c = static_cast<std::size_t>(features_);
  kernels::guarded(name() + " (BatchNorm statistics)", {x.shape()}, [&] {
    kernels::batch_norm_statistics(plans_, x, mode, state.mean, state.variance);
  });
  std::vector<double> mine{sums.share() > 0 ? static_cast<double>(x.numel() / features_) : 0.0};
  for (const Tensor* t : {&state.mean, &state.variance})
    for (float v : t->to_vector<float>()) mine.push_back(v);
  const std::vector<double> all = sums.gather(mine, "the statistics of " + name());
  std::vector<double> mean(c, 0.0), m2(c, 0.0);
  double n = 0;
  for (std::size_t at = 0; at < all.size(); at += mine.size()) {
    const double nr = all[at];
    if (nr == 0) continue;
    for (std::size_t i = 0; i < c; ++i) {
      const double delta = all[at + 1 + i] - mean[i];
      mean[i] += delta * nr / (n + nr);
      m2[i] += all[at + 1 + c + i] * nr + delta * delta * n * nr / (n + nr);
    }
    n += nr;
  }
  float* pm = state.mean.data<float>();
  float* pv = state.variance.data<float>();
  for (std::size_t i = 0; i < c; ++i)
    pm[i] = static_cast<float>(mean[i]), pv[i] = static_cast<float>(n > 0 ? m2[i] / n : 0.0);
}

// dx for statistics over the global batch of M rows. `grads` holds the kernel's gradients with
// the statistics taken as given: dx0 = gamma / sigma * dy and this shard's dgamma = sum(dy *
// xhat), dbeta = sum(dy). Each rank's dy is its loss's, that is, the global loss's divided by
// the rank's share s_r; with S1 = sum_r s_r dbeta_r and S2 = sum_r s_r dgamma_r over the ranks,
//   dx = dx0 - gamma / sigma * (S1 + xhat S2) / (M s_r).
Tensor BatchNormImpl::global_backward(const Tensor& x, const Tensor& dout,
                                      const kernels::NormMode& mode, const kernels::NormState& state,
                                      ReplicaSums& sums, std::vector<Tensor>& grads) {
  const std::size_t c = static_cast<std::size_t>(features_);
  const double share = sums.share();
  std::vector<double> mine{share > 0 ? static_cast<double>(x.numel() / features_) : 0.0};
  for (const Tensor* t : {&grads[2], &grads[1]})
    for (float v : t->to_vector<float>()) mine.push_back(share * v);
  const std::vector<double> all = sums.gather(mine, "the gradient sums of " + name());
  std::vector<double> total(mine.size(), 0.0);
  for (std::size_t at = 0; at < all.size(); at += mine.size())
    for (std::size_t i = 0; i < mine.size(); ++i) total[i] += all[at + i];
  Tensor scale = Tensor::zeros({features_}), shift = Tensor::zeros({features_});
  if (share > 0 && total[0] > 0) {
    const std::vector<float> gamma = state.gamma.to_vector<float>(),
                             var = state.variance.to_vector<float>();
    for (std::size_t i = 0; i < c; ++i) {
      const double k = -gamma[i] / std::sqrt(var[i] + opt_.epsilon) / (total[0] * share);
      shift.data<float>()[i] = static_cast<float>(k * total[1 + i]);
      scale.data<float>()[i] = static_cast<float>(k * total[1 + c + i]);
    }
  }
  Tensor dx = grads[0];
  kernels::guarded(name() + " (BatchNorm) backward", {x.shape(), dout.shape()}, [&] {
    kernels::batch_norm_add_normalized(plans_, x, mode, state, scale, shift, dx);
  });
  return dx;
}

}  // namespace

BatchNorm::BatchNorm(BatchNormOptions options, std::source_location loc)
    : Layer(std::make_shared<BatchNormImpl>(options, loc)) {}

void BatchNorm::commit() const { impl_->commit_step(); }
void BatchNorm::discard() const { impl_->discard_step(); }

}  // namespace tenet
