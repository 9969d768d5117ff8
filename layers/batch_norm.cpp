#include <tenet/layers/batch_norm.hpp>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/kernels/memory.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

namespace {

using namespace dnnl;
using kernels::tag;

// The oneDNN primitives of one input shape and layout. Images (N, H, W, C) are read as they lie
// (nhwc, or the blocked layout of the oneDNN layer before) and the output keeps that layout;
// any other rank is M rows of C features, (M, 1, 1, C) nhwc. Statistics, gamma, beta: (C,).
struct NormPlan {
  memory::desc row_major_md;      // (N, H, W, C) or (M, 1, 1, C): nhwc
  memory::desc data_md, stat_md;  // the input's layout / (C,): a
  batch_normalization_forward::primitive_desc fwd_pd;
  batch_normalization_backward::primitive_desc bwd_pd;
  batch_normalization_forward fwd;
  batch_normalization_backward bwd;
};

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
  std::vector<bool> trainable() const override { return {true, true, false, false}; }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
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
  NormPlan make_plan(const Tensor& x, bool training, bool relu) const;

  BatchNormOptions opt_;
  std::int64_t features_ = 0;
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  std::vector<PendingStats> pending_;
  kernels::PlanCache<NormPlan> plans_;
};

NormPlan BatchNormImpl::make_plan(const Tensor& input, bool training, bool relu) const {
  NormPlan p;
  const Shape& x = input.shape();
  const std::int64_t rows = x.numel() / features_;
  memory::dims dims = x.rank() == 4 ? memory::dims{x[0], features_, x[1], x[2]}
                                    : memory::dims{rows, features_, 1, 1};
  p.row_major_md = kernels::f32_desc(dims, tag::nhwc);
  p.data_md = kernels::stored_desc(input, p.row_major_md);
  p.stat_md = kernels::f32_desc({features_}, tag::a);
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (!training) flags = flags | normalization_flags::use_global_stats;
  // A ReLU fused after the normalisation: backward reads its mask from the workspace.
  if (relu) flags = flags | normalization_flags::fuse_norm_relu;
  float eps = static_cast<float>(opt_.epsilon);
  engine& eng = kernels::engine();
  p.fwd_pd = {{prop_kind::forward_training, p.data_md, eps, flags}, kernels::scratchpad_attr(), eng};
  // oneDNN 2.6 fails to execute this backward unless SHIFT is passed, so use_shift stays set.
  p.bwd_pd = {{prop_kind::backward, p.data_md, p.data_md, eps, flags}, kernels::scratchpad_attr(),
              eng, p.fwd_pd};
  p.fwd = batch_normalization_forward(p.fwd_pd);
  p.bwd = batch_normalization_backward(p.bwd_pd);
  return p;
}

Tensor BatchNormImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  const Tensor& x = in[0];
  // relu: a fused node (BatchNorm+ReLU, core/training/fusion) has the ReLU after applied here.
  const bool training = opts.training, relu = fusion::role_of(this).apply_relu;
  const std::string where = name() + (relu ? " (BatchNorm + ReLU)" : " (BatchNorm)");
  // Nothing to normalise (a zero-size axis): oneDNN cannot take it; statistics stay unchanged.
  if (x.numel() == 0) return Tensor::zeros(x.shape());
  std::shared_ptr<NormPlan> plan;
  Tensor y, workspace;  // workspace: the fused ReLU's mask, for backward
  // Training: fresh batch statistics (outputs); inference: the moving ones (inputs).
  Tensor mean = training ? Tensor::empty({features_}) : moving_mean_.detach();
  Tensor var = training ? Tensor::empty({features_}) : moving_variance_.detach();
  kernels::guarded(where, {x.shape()}, [&] {
    std::vector<std::int64_t> key = x.shape().dims();
    key.insert(key.end(), {training, relu});
    kernels::append_layout_key(key, x);
    plan = plans_.get(key, [&] { return make_plan(x, training, relu); });
    const NormPlan& p = *plan;
    y = kernels::empty_in(x.shape(), p.data_md, p.row_major_md);
    kernels::Args args{{DNNL_ARG_SRC, kernels::wrap_in(p.data_md, x)},
                       {DNNL_ARG_DST, kernels::wrap_in(p.data_md, y)},
                       {DNNL_ARG_SCALE, kernels::wrap(p.stat_md, gamma_)},
                       {DNNL_ARG_SHIFT, kernels::wrap(p.stat_md, beta_)},
                       {DNNL_ARG_MEAN, kernels::wrap(p.stat_md, mean)},
                       {DNNL_ARG_VARIANCE, kernels::wrap(p.stat_md, var)}};
    if (relu) args.emplace(DNNL_ARG_WORKSPACE, kernels::pooled(p.fwd_pd.workspace_desc(), workspace));
    kernels::execute(p.fwd, p.fwd_pd, std::move(args));
  });
  if (training && check_numerics()) numerics::check_batch_statistics(mean, var, x, site());
  if (training) pending_.push_back({mean, var});
  // Inference snapshots the moving statistics so a later commit cannot change this backward.
  if (!training && needs_grad({x, gamma_, beta_})) {
    mean = mean.clone();
    var = var.clone();
  }
  return attach_grad(y, where, {x, gamma_, beta_},
                     [plan, x, mean, var, workspace, gamma = gamma_, beta = beta_,
                      where](const Tensor& dout) {
    const NormPlan& p = *plan;
    // dx gets its own buffer: oneDNN's batch normalization backward can work in place over
    // dout, but measured in net B (benchmarks/README.md) it ran 0.03-0.06 ms slower per call
    // that way, for no memory saved once the storage pool has warmed up.
    Tensor dx = kernels::empty_in(x.shape(), p.data_md, p.row_major_md),
           dgamma = Tensor::empty(gamma.shape()), dbeta = Tensor::empty(beta.shape());
    kernels::guarded(where + " backward", {x.shape(), dout.shape()}, [&] {
      Tensor x_holder, dout_holder;  // in the forward's layout, if they no longer lie in it
      kernels::Args args{
          {DNNL_ARG_SRC, kernels::read_as(x, p.row_major_md, p.data_md, x_holder)},
          {DNNL_ARG_DIFF_DST, kernels::read_as(dout, p.row_major_md, p.data_md, dout_holder)},
          {DNNL_ARG_MEAN, kernels::wrap(p.stat_md, mean)},
          {DNNL_ARG_VARIANCE, kernels::wrap(p.stat_md, var)},
          {DNNL_ARG_SCALE, kernels::wrap(p.stat_md, gamma)},
          {DNNL_ARG_SHIFT, kernels::wrap(p.stat_md, beta)},
          {DNNL_ARG_DIFF_SRC, kernels::wrap_in(p.data_md, dx)},
          {DNNL_ARG_DIFF_SCALE, kernels::wrap(p.stat_md, dgamma)},
          {DNNL_ARG_DIFF_SHIFT, kernels::wrap(p.stat_md, dbeta)}};
      if (workspace.defined())
        args.emplace(DNNL_ARG_WORKSPACE, kernels::wrap(p.fwd_pd.workspace_desc(), workspace));
      kernels::execute(p.bwd, p.bwd_pd, std::move(args));
    });
    return std::vector<Tensor>{dx, dgamma, dbeta};
  });
}

}  // namespace

BatchNorm::BatchNorm(BatchNormOptions options, std::source_location loc)
    : Layer(std::make_shared<BatchNormImpl>(options, loc)) {}

void BatchNorm::commit() const { impl_->commit_step(); }
void BatchNorm::discard() const { impl_->discard_step(); }

}  // namespace tenet
