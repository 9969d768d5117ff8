#include "core/kernels/conv.hpp"

#include <mutex>

#include <tenet/core/base/runtime.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "core/kernels/memory.hpp"

namespace tenet::kernels {

using namespace dnnl;

// The kernel in one primitive's layout, kept while the kernel's values keep the version it was
// reordered from (storage_version): a model's weights change once per training step, and never
// in predict, while each forward and backward-data call needs them blocked.
struct BlockedKernel {
  std::mutex mutex;
  std::uint64_t version = 0;  // 0: nothing kept
  Tensor holder;              // the blocked bytes (storage pool)
  memory mem;                 // over holder's bytes
};

// The oneDNN primitives of one geometry. Activations are (N, H, W, C) to the user; between
// oneDNN layers they lie in the layout the primitives prefer (format_tag::any), so the input is
// reordered only when it arrives in another layout. The kernel is hwio at the boundary.
struct ConvPlan {
  Shape out_shape;                        // (N, OH, OW, O)
  memory::desc src_md, dst_md;            // (N, H, W, C) / (N, OH, OW, O) row-major: nhwc
  memory::desc user_wei_md, bias_md;      // (KH, KW, C, O): hwio / (O,): a
  memory::desc fwd_src_md, fwd_wei_md, fwd_dst_md;  // the forward's layouts (queried once)
  convolution_forward::primitive_desc fwd_pd;
  convolution_backward_data::primitive_desc bwd_data_pd;
  convolution_backward_weights::primitive_desc bwd_wei_pd;
  eltwise_backward::primitive_desc relu_pd;  // only with a fused relu
  convolution_forward fwd;
  convolution_backward_data bwd_data;
  convolution_backward_weights bwd_wei;
  eltwise_backward relu_bwd;
  // The kernel in the forward's and backward-data's layouts (one object when they are equal).
  std::shared_ptr<BlockedKernel> fwd_wei, bwd_data_wei;
  bool training = true;  // false: the forward without gradient alone
};

namespace {

// relu'(pre) from the saved output: dst > 0 exactly where pre > 0.
void add_relu_backward(ConvPlan& p) {
  const memory::desc& y = p.fwd_pd.dst_desc();
  eltwise_forward::primitive_desc hint(
      {prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, y, 0.0f}, engine());
  p.relu_pd = {{algorithm::eltwise_relu_use_dst_for_bwd, y, y, 0.0f}, scratchpad_attr(), engine(),
               hint};
  p.relu_bwd = eltwise_backward(p.relu_pd);
}

// The descriptor of one pass made with Winograd's algorithm when `winograd`, falling back to
// direct when oneDNN cannot make it (no AVX-512, or channels it does not take): only here, at
// plan creation, is a dnnl::error caught.
template <class Make>
auto with_fallback(bool winograd, Make&& make) {
  if (winograd) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
    }
  }
  return make(algorithm::convolution_direct);
}

// The oneDNN descriptors of one geometry, in its dims and with `any` layouts.
struct ConvDescs {
  memory::desc src, wei, dst;
  memory::dims strides, dil, pad_l, pad_r;
};

ConvDescs descs_of(const ConvGeometry& g) {
  const Shape& x = g.input;
  const std::int64_t n = x[0], c = x[3], o = g.filters;
  return {f32_desc({n, c, x[1], x[2]}, tag::any),
          f32_desc({o, c, g.kernel[0], g.kernel[1]}, tag::any),
          f32_desc({n, o, g.output[0], g.output[1]}, tag::any),
          {g.strides[0], g.strides[1]},
          {g.dilation[0] - 1, g.dilation[1] - 1},  // oneDNN: 0 = none
          {g.pad_before[0], g.pad_before[1]},
          {g.pad_after[0], g.pad_after[1]}};
}

// The backward primitives, each pass's algorithm by the rule under `chosen`, with the forward as
// hint.
void add_backward(ConvPlan& p, const ConvGeometry& g, const ConvDescs& d,
                  ConvolutionAlgorithm chosen) {
  dnnl::engine& eng = engine();
  p.bwd_data_pd = with_fallback(
      winograd_chosen(g, ConvPass::backward_data, chosen), [&](algorithm alg) {
        convolution_backward_data::desc bd(alg, d.src, d.wei, d.dst, d.strides, d.dil, d.pad_l,
                                           d.pad_r);
        return convolution_backward_data::primitive_desc(bd, scratchpad_attr(), eng, p.fwd_pd);
      });
  p.bwd_wei_pd = with_fallback(
      winograd_chosen(g, ConvPass::backward_weights, chosen), [&](algorithm alg) {
        convolution_backward_weights::desc bw(alg, d.src, d.wei, p.bias_md, d.dst, d.strides,
                                              d.dil, d.pad_l, d.pad_r);
        return convolution_backward_weights::primitive_desc(bw, scratchpad_attr(), eng,
                                                            p.fwd_pd);
      });
  p.bwd_data = convolution_backward_data(p.bwd_data_pd);
  p.bwd_wei = convolution_backward_weights(p.bwd_wei_pd);
  if (g.relu) add_relu_backward(p);
}

// A training plan (forward, backward-data, backward-weights) or, for g.training false, the
// forward without gradient alone. That forward is oneDNN's forward_inference only for Winograd
// (its 2x3 kernel exists for inference alone); a direct one stays forward_training, whose jit
// kernel beat forward_inference's brgconv in every geometry measured (1-channel inputs by
// 1.5-2x; benchmarks/README.md), and gives predict the training forward's bits.
// `chosen`: the algorithm the plan's cache key holds, read once by conv_plan, so a switch on
// another thread cannot build passes of two algorithms, or the other algorithm under this key.
ConvPlan make_plan(const ConvGeometry& g, ConvolutionAlgorithm chosen) {
  ConvPlan p;
  const Shape& x = g.input;
  const std::int64_t n = x[0], c = x[3], o = g.filters;
  p.out_shape = Shape{n, g.output[0], g.output[1], o};
  p.src_md = nhwc_desc(x);
  p.dst_md = f32_desc({n, o, g.output[0], g.output[1]}, tag::nhwc);
  p.user_wei_md = f32_desc({o, c, g.kernel[0], g.kernel[1]}, tag::hwio);
  p.bias_md = g.bias ? f32_desc({o}, tag::a) : memory::desc();
  const ConvDescs d = descs_of(g);
  post_ops ops;
  if (g.relu) ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
  const ConvPass pass = g.training ? ConvPass::forward : ConvPass::inference;
  p.fwd_pd = with_fallback(winograd_chosen(g, pass, chosen), [&](algorithm alg) {
    const bool inference = !g.training && alg == algorithm::convolution_winograd;
    convolution_forward::desc fd(inference ? prop_kind::forward_inference
                                           : prop_kind::forward_training,
                                 alg, d.src, d.wei, p.bias_md, d.dst, d.strides, d.dil, d.pad_l,
                                 d.pad_r);
    return convolution_forward::primitive_desc(fd, scratchpad_attr(ops), engine());
  });
  p.fwd_src_md = p.fwd_pd.src_desc();
  p.fwd_wei_md = p.fwd_pd.weights_desc();
  p.fwd_dst_md = p.fwd_pd.dst_desc();
  p.fwd = convolution_forward(p.fwd_pd);
  p.fwd_wei = std::make_shared<BlockedKernel>();
  p.training = g.training;
  if (!g.training) return p;
  add_backward(p, g, d, chosen);
  p.bwd_data_wei = p.bwd_data_pd.weights_desc() == p.fwd_pd.weights_desc()
                       ? p.fwd_wei
                       : std::make_shared<BlockedKernel>();
  return p;
}

// The kernel (KH, KW, C, O) as memory of layout `want`: `cache`'s copy while the kernel still
// has the values it was made from, else a reordered copy, kept for the next call. `keep` holds
// the bytes for this call, should another thread replace the cache's copy meanwhile. `owner`:
// see reused_memory (the row-major kernel only; the kept copy has its own object).
memory kernel_in_layout(const ConvPlan& p, BlockedKernel& cache, const Tensor& kernel,
                        const memory::desc& want, Tensor& keep, const void* owner = nullptr) {
  if (want == p.user_wei_md)
    return row_major_memory(p.user_wei_md, kernel, owner, DNNL_ARG_WEIGHTS);
  const std::uint64_t version = storage_version(kernel);  // before reading the values
  std::lock_guard lock(cache.mutex);
  if (version != 0 && version == cache.version) {
    keep = cache.holder;
    return cache.mem;
  }
  memory blocked = recycled_memory(want, keep);
  reorder(row_major_memory(p.user_wei_md, kernel), blocked);
  cache.version = version;
  cache.holder = keep;
  cache.mem = blocked;
  return blocked;
}

// dx (N, H, W, C) in backward-data's preferred layout, from ddst (dout, after the ReLU).
Tensor backward_data(const ConvPlan& p, const Shape& x_shape, const memory& ddst,
                     const Tensor& kernel) {
  Tensor dx = empty_in(x_shape, p.bwd_data_pd.diff_src_desc(), p.src_md);
  Tensor wei_holder, ddst_holder;  // the kernel and dout in backward-data's layouts
  memory wei =
      kernel_in_layout(p, *p.bwd_data_wei, kernel, p.bwd_data_pd.weights_desc(), wei_holder);
  execute(p.bwd_data, p.bwd_data_pd,
          {{DNNL_ARG_DIFF_DST,
            reorder_if_needed(ddst, p.bwd_data_pd.diff_dst_desc(), ddst_holder)},
           {DNNL_ARG_WEIGHTS, wei},
           {DNNL_ARG_DIFF_SRC, stored_memory(p.bwd_data_pd.diff_src_desc(), dx)}});
  return dx;
}

// {dkernel (KH, KW, C, O), dbias (O,)} from x and ddst.
std::vector<Tensor> backward_weights(const ConvPlan& p, const Tensor& x, const memory& ddst,
                                     const Tensor& kernel, const Tensor& bias) {
  Tensor dkernel = Tensor::empty(kernel.shape()), dbias;
  memory user_dwei = row_major_memory(p.user_wei_md, dkernel);
  bool direct = p.bwd_wei_pd.diff_weights_desc() == p.user_wei_md;
  Tensor dwei_holder, src_holder, ddst_holder;  // oneDNN-layout copies
  memory dwei =
      direct ? user_dwei : recycled_memory(p.bwd_wei_pd.diff_weights_desc(), dwei_holder);
  Args args{{DNNL_ARG_SRC, tensor_in_layout(x, p.src_md, p.bwd_wei_pd.src_desc(), src_holder)},
            {DNNL_ARG_DIFF_DST,
             reorder_if_needed(ddst, p.bwd_wei_pd.diff_dst_desc(), ddst_holder)},
            {DNNL_ARG_DIFF_WEIGHTS, dwei}};
  if (bias.defined()) {
    dbias = Tensor::empty(bias.shape());
    args.emplace(DNNL_ARG_DIFF_BIAS, row_major_memory(p.bias_md, dbias));
  }
  execute(p.bwd_wei, p.bwd_wei_pd, std::move(args));
  if (!direct) reorder(dwei, user_dwei);
  return {dkernel, dbias};
}

}  // namespace

std::shared_ptr<const ConvPlan> conv_plan(ConvPlans& cache, const ConvGeometry& g) {
  const ConvolutionAlgorithm chosen = convolution_algorithm();  // read once: key and plan
  thread_local std::vector<std::int64_t> key;  // its capacity kept: no allocation per call
  key.assign(g.input.begin(), g.input.end());
  key.insert(key.end(), {g.filters, g.kernel[0], g.kernel[1], g.strides[0], g.strides[1],
                         g.dilation[0], g.dilation[1], g.pad_before[0], g.pad_before[1],
                         g.pad_after[0], g.pad_after[1], g.output[0], g.output[1], g.bias,
                         g.relu, g.training,
                         static_cast<std::int64_t>(chosen)});
  return cache.get(key, [&] { return make_plan(g, chosen); });
}

std::string conv_impl(const ConvPlan& p, ConvPass pass) {
  if ((pass == ConvPass::inference) == p.training) return "";
  switch (pass) {
    case ConvPass::backward_data: return p.bwd_data_pd.impl_info_str();
    case ConvPass::backward_weights: return p.bwd_wei_pd.impl_info_str();
    default: return p.fwd_pd.impl_info_str();
  }
}

Tensor conv_forward(const ConvPlan& p, const Tensor& x, const Tensor& kernel, const Tensor& bias) {
  Tensor y = empty_in(p.out_shape, p.fwd_dst_md, p.dst_md);  // (N, OH, OW, O)
  Tensor src_holder, wei_holder;  // x and the kernel in the forward primitive's layouts
  // The arguments' memory objects are this plan's, reused on this thread (reused_memory).
  Args args{
      {DNNL_ARG_SRC, tensor_in_layout(x, p.src_md, p.fwd_src_md, src_holder, &p, DNNL_ARG_SRC)},
      {DNNL_ARG_WEIGHTS, kernel_in_layout(p, *p.fwd_wei, kernel, p.fwd_wei_md, wei_holder, &p)},
      {DNNL_ARG_DST, stored_memory(p.fwd_dst_md, y, &p, DNNL_ARG_DST)}};
  if (bias.defined())
    args.emplace(DNNL_ARG_BIAS, row_major_memory(p.bias_md, bias, &p, DNNL_ARG_BIAS));
  execute(p.fwd, p.fwd_pd, std::move(args));
  return y;
}

std::vector<Tensor> conv_backward(const ConvPlan& p, const Tensor& x, const Tensor& y,
                                  const Tensor& kernel, const Tensor& bias, const Tensor& dout,
                                  bool relu) {
  if (!p.training) internal_error("a convolution's backward ran on its forward-only (predict) plan");
  Tensor dout_holder, dpre_holder;
  const memory::desc& y_md = p.fwd_pd.dst_desc();
  memory ddst = tensor_in_layout(dout, p.dst_md, y_md, dout_holder);
  if (relu) {  // through the fused relu first: dpre = dout * (y > 0)
    Tensor y_holder;
    // In place when these bytes are this closure's own: a copy made above, or a gradient the
    // engine handed over that nothing else holds.
    const bool own = dout_holder.defined() || exclusively_owned(dout);
    memory dpre = own ? ddst : recycled_memory(y_md, dpre_holder);
    execute(p.relu_bwd, p.relu_pd,
            {{DNNL_ARG_DIFF_DST, ddst},
             {DNNL_ARG_DST, tensor_in_layout(y, p.dst_md, y_md, y_holder)},
             {DNNL_ARG_DIFF_SRC, dpre}});
    ddst = dpre;
  }
  Tensor dx;
  if (x.requires_grad()) dx = backward_data(p, x.shape(), ddst, kernel);
  std::vector<Tensor> dw = backward_weights(p, x, ddst, kernel, bias);
  return {dx, dw[0], dw[1]};
}

}  // namespace tenet::kernels
