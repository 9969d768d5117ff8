#include "core/kernels/batch_norm.hpp"

#include "core/kernels/memory.hpp"

namespace tenet::kernels {

using namespace dnnl;

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
  bool relu = false;  // fused: the forward fills a workspace with the ReLU's mask
};

namespace {

NormPlan make_plan(const Tensor& input, const NormMode& m) {
  NormPlan p;
  p.relu = m.relu;
  const Shape& x = input.shape();
  const std::int64_t rows = x.numel() / m.features;
  memory::dims dims = x.rank() == 4 ? memory::dims{x[0], m.features, x[1], x[2]}
                                    : memory::dims{rows, m.features, 1, 1};
  p.row_major_md = f32_desc(dims, tag::nhwc);
  p.data_md = stored_desc(input, p.row_major_md);
  p.stat_md = f32_desc({m.features}, tag::a);
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (!m.training) flags = flags | normalization_flags::use_global_stats;
  // A ReLU fused after the normalisation: backward reads its mask from the workspace.
  if (m.relu) flags = flags | normalization_flags::fuse_norm_relu;
  float eps = static_cast<float>(m.epsilon);
  dnnl::engine& eng = engine();
  p.fwd_pd = {{prop_kind::forward_training, p.data_md, eps, flags}, scratchpad_attr(), eng};
  // oneDNN 2.6 fails to execute this backward unless SHIFT is passed, so use_shift stays set.
  p.bwd_pd = {{prop_kind::backward, p.data_md, p.data_md, eps, flags}, scratchpad_attr(), eng,
              p.fwd_pd};
  p.fwd = batch_normalization_forward(p.fwd_pd);
  p.bwd = batch_normalization_backward(p.bwd_pd);
  return p;
}

}  // namespace

std::shared_ptr<const NormPlan> batch_norm_plan(NormPlans& cache, const Tensor& x,
                                                const NormMode& m) {
  std::vector<std::int64_t> key(x.shape().begin(), x.shape().end());
  key.insert(key.end(), {m.training, m.relu});
  append_layout_key(key, x);
  return cache.get(key, [&] { return make_plan(x, m); });
}

Tensor batch_norm_forward(const NormPlan& p, const Tensor& x, NormState& s) {
  Tensor y = empty_in(x.shape(), p.data_md, p.row_major_md);
  Args args{{DNNL_ARG_SRC, stored_memory(p.data_md, x)},
            {DNNL_ARG_DST, stored_memory(p.data_md, y)},
            {DNNL_ARG_SCALE, row_major_memory(p.stat_md, s.gamma)},
            {DNNL_ARG_SHIFT, row_major_memory(p.stat_md, s.beta)},
            {DNNL_ARG_MEAN, row_major_memory(p.stat_md, s.mean)},
            {DNNL_ARG_VARIANCE, row_major_memory(p.stat_md, s.variance)}};
  if (p.relu)
    args.emplace(DNNL_ARG_WORKSPACE, recycled_memory(p.fwd_pd.workspace_desc(), s.workspace));
  execute(p.fwd, p.fwd_pd, std::move(args));
  return y;
}

std::vector<Tensor> batch_norm_backward(const NormPlan& p, const Tensor& x, const Tensor& dout,
                                        const NormState& s) {
  // dx gets its own buffer: oneDNN's batch normalization backward can work in place over
  // dout, but measured in net B (benchmarks/README.md) it ran 0.03-0.06 ms slower per call
  // that way, for no memory saved once the storage pool has warmed up.
  Tensor dx = empty_in(x.shape(), p.data_md, p.row_major_md),
         dgamma = Tensor::empty(s.gamma.shape()), dbeta = Tensor::empty(s.beta.shape());
  Tensor x_holder, dout_holder;  // in the forward's layout, if they no longer lie in it
  Args args{{DNNL_ARG_SRC, tensor_in_layout(x, p.row_major_md, p.data_md, x_holder)},
            {DNNL_ARG_DIFF_DST, tensor_in_layout(dout, p.row_major_md, p.data_md, dout_holder)},
            {DNNL_ARG_MEAN, row_major_memory(p.stat_md, s.mean)},
            {DNNL_ARG_VARIANCE, row_major_memory(p.stat_md, s.variance)},
            {DNNL_ARG_SCALE, row_major_memory(p.stat_md, s.gamma)},
            {DNNL_ARG_SHIFT, row_major_memory(p.stat_md, s.beta)},
            {DNNL_ARG_DIFF_SRC, stored_memory(p.data_md, dx)},
            {DNNL_ARG_DIFF_SCALE, row_major_memory(p.stat_md, dgamma)},
            {DNNL_ARG_DIFF_SHIFT, row_major_memory(p.stat_md, dbeta)}};
  if (s.workspace.defined())
    args.emplace(DNNL_ARG_WORKSPACE, row_major_memory(p.fwd_pd.workspace_desc(), s.workspace));
  execute(p.bwd, p.bwd_pd, std::move(args));
  return {dx, dgamma, dbeta};
}

void batch_norm_statistics(NormPlans& cache, const Tensor& x, const NormMode& m, Tensor& mean,
                           Tensor& variance) {
  // A training-mode forward computes them; its output is not needed.
  const NormMode stats{m.features, m.epsilon, true, false};
  NormState s{Tensor::ones({m.features}), Tensor::zeros({m.features}), mean, variance, Tensor()};
  batch_norm_forward(*batch_norm_plan(cache, x, stats), x, s);
}

void batch_norm_add_normalized(NormPlans& cache, const Tensor& x, const NormMode& m,
                               const NormState& s, const Tensor& scale, const Tensor& shift,
                               Tensor& dx) {
  // A forward with the given statistics, scale and shift, and no ReLU: same layout as dx.
  const NormMode given{m.features, m.epsilon, false, false};
  const std::shared_ptr<const NormPlan> p = batch_norm_plan(cache, x, given);
  NormState affine{scale, shift, s.mean, s.variance, Tensor()};
  const Tensor y = batch_norm_forward(*p, x, affine);
  // Both in layout p->data_md, padding included (zeros in both): added element by element.
  const memory into = stored_memory(p->data_md, dx), add = stored_memory(p->data_md, y);
  float* d = static_cast<float*>(into.get_data_handle());
  const float* a = static_cast<const float*>(add.get_data_handle());
  const std::size_t n = p->data_md.get_size() / sizeof(float);
  for (std::size_t i = 0; i < n; ++i) d[i] += a[i];
}

}  // namespace tenet::kernels
