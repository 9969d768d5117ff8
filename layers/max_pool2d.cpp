#include "layers/max_pool2d.hpp"

#include "core/autograd.hpp"
#include "core/checks.hpp"
#include "core/kernels_dnnl.hpp"
#include "layers/spatial.hpp"

namespace tenet {

namespace {

using namespace dnnl;
using kernels::tag;

// The oneDNN primitives of one input shape and layout: the input is read as it lies (nhwc,
// or the blocked layout of the oneDNN layer before); the output takes the layout oneDNN picks
// for it (format_tag::any: the input's, in practice). Training keeps the argmax positions in a
// workspace that forward fills and backward reads.
struct PoolPlan {
  Shape out_shape;              // (N, OH, OW, C)
  memory::desc src_md, dst_md;  // (N, H, W, C) / (N, OH, OW, C) row-major: nhwc
  memory::desc x_md;            // the input's layout
  pooling_forward::primitive_desc fwd_pd;
  pooling_backward::primitive_desc bwd_pd;  // only for training plans
  pooling_forward fwd;
  pooling_backward bwd;
};

class MaxPool2DImpl : public LayerImpl {
 public:
  MaxPool2DImpl(std::array<std::int64_t, 2> pool, MaxPool2DOptions o, std::source_location loc)
      : LayerImpl("MaxPool2D", "max_pooling2d", o.name, loc) {
    std::array<std::int64_t, 2> s = o.strides == std::array<std::int64_t, 2>{} ? pool : o.strides;
    win_ = {pool[0], pool[1], s[0], s[1], 1, 1, o.padding};
    if (pool[0] < 1 || pool[1] < 1 || s[0] < 1 || s[1] < 1)
      checks::Violation("layer.config", Phase::build, site())
          .summary("MaxPool2D needs pool size and strides of at least 1")
          .expected("pool size and strides >= 1x1")
          .actual("pool " + window_text(pool[0], pool[1]) + ", strides " + window_text(s[0], s[1]))
          .raise();
  }

  // (N, H, W, C) -> (N, H', W', C); H'/W' by TensorFlow's valid/same rule.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    return windowed_output_shape(in[0], win_, site(), phase, "pool window", kUnknown);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override;

  std::string describe() const override {
    std::string s = window_text(win_.kh, win_.kw);
    if (win_.padding == Padding::same) s += ", same";
    if (win_.sh != win_.kh || win_.sw != win_.kw) s += ", strides " + window_text(win_.sh, win_.sw);
    return s;
  }

 private:
  PoolPlan make_plan(const Tensor& x, bool training) const;

  Window2D win_;
  kernels::PlanCache<PoolPlan> plans_;
};

PoolPlan MaxPool2DImpl::make_plan(const Tensor& input, bool training) const {
  PoolPlan p;
  const Shape& x = input.shape();
  AxisPlan ph = plan_axis(x[1], win_.kh, win_.sh, 1, win_.padding);
  AxisPlan pw = plan_axis(x[2], win_.kw, win_.sw, 1, win_.padding);
  const std::int64_t n = x[0], c = x[3];
  p.out_shape = Shape{n, ph.out, pw.out, c};
  p.src_md = kernels::nhwc_desc(x);
  p.dst_md = kernels::f32_desc({n, c, ph.out, pw.out}, tag::nhwc);
  p.x_md = kernels::stored_desc(input, p.src_md);
  memory::desc any_dst = kernels::f32_desc({n, c, ph.out, pw.out}, tag::any);
  memory::dims strides{win_.sh, win_.sw}, window{win_.kh, win_.kw};
  memory::dims pad_l{ph.pad_before, pw.pad_before}, pad_r{ph.pad_after, pw.pad_after};
  engine& eng = kernels::engine();
  prop_kind kind = training ? prop_kind::forward_training : prop_kind::forward_inference;
  pooling_forward::desc fd(kind, algorithm::pooling_max, p.x_md, any_dst, strides, window,
                           pad_l, pad_r);
  p.fwd_pd = {fd, kernels::scratchpad_attr(), eng};
  p.fwd = pooling_forward(p.fwd_pd);
  if (training) {
    pooling_backward::desc bd(algorithm::pooling_max, p.x_md, p.fwd_pd.dst_desc(), strides,
                              window, pad_l, pad_r);
    p.bwd_pd = {bd, kernels::scratchpad_attr(), eng, p.fwd_pd};
    p.bwd = pooling_backward(p.bwd_pd);
  }
  return p;
}

Tensor MaxPool2DImpl::forward(const std::vector<Tensor>& in, const CallOptions&) {
  const Tensor& x = in[0];
  const bool training = needs_grad({x});  // a workspace only when a gradient will be asked
  const std::string where = name() + " (MaxPool2D)";
  std::shared_ptr<PoolPlan> plan;
  Tensor y;
  Tensor workspace;  // argmax positions, oneDNN's layout; pooled storage (no fresh pages per step)
  kernels::guarded(where, {x.shape()}, [&] {
    std::vector<std::int64_t> key = x.shape().dims();
    key.push_back(training);
    kernels::append_layout_key(key, x);
    plan = plans_.get(key, [&] { return make_plan(x, training); });
    const memory::desc& y_md = plan->fwd_pd.dst_desc();
    y = kernels::empty_in(plan->out_shape, y_md, plan->dst_md);  // (N, OH, OW, C)
    kernels::Args args{{DNNL_ARG_SRC, kernels::wrap_in(plan->x_md, x)},
                       {DNNL_ARG_DST, kernels::wrap_in(y_md, y)}};
    if (training) {
      const memory::desc& wd = plan->fwd_pd.workspace_desc();
      workspace = Tensor::empty({static_cast<std::int64_t>(wd.get_size())}, DType::u8);
      args.emplace(DNNL_ARG_WORKSPACE, kernels::wrap(wd, workspace));
    }
    kernels::execute(plan->fwd, plan->fwd_pd, std::move(args));
  });
  if (!training) return y;
  return attach_grad(y, where, {x}, [plan, workspace, where, xs = x.shape()](const Tensor& dout) {
    const memory::desc& dx_md = plan->bwd_pd.diff_src_desc();
    Tensor dx = kernels::empty_in(xs, dx_md, plan->src_md);  // (N, H, W, C)
    kernels::guarded(where + " backward", {xs, dout.shape()}, [&] {
      Tensor dout_holder;  // dout in the layout of the forward's output, when it is not
      kernels::execute(
          plan->bwd, plan->bwd_pd,
          {{DNNL_ARG_DIFF_DST,
            kernels::read_as(dout, plan->dst_md, plan->bwd_pd.diff_dst_desc(), dout_holder)},
           {DNNL_ARG_WORKSPACE, kernels::wrap(plan->fwd_pd.workspace_desc(), workspace)},
           {DNNL_ARG_DIFF_SRC, kernels::wrap_in(dx_md, dx)}});
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

MaxPool2D::MaxPool2D(std::array<std::int64_t, 2> pool_size, MaxPool2DOptions options,
                     std::source_location loc)
    : Layer(std::make_shared<MaxPool2DImpl>(pool_size, options, loc)) {}

}  // namespace tenet
