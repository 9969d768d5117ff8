#include <tenet/layers/conv2d.hpp>

#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/kernels/memory.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/layers/dense.hpp>
#include "layers/spatial.hpp"

namespace tenet {

namespace {

using namespace dnnl;
using kernels::tag;

// The oneDNN primitives of one input shape. Activations are (N, H, W, C) to the user; between
// oneDNN layers they lie in the layout the primitives prefer (format_tag::any), so the input is
// reordered only when it arrives in another layout. The kernel is hwio at the boundary.
struct ConvPlan {
  Shape out_shape;                        // (N, OH, OW, O)
  memory::desc src_md, dst_md;            // (N, H, W, C) / (N, OH, OW, O) row-major: nhwc
  memory::desc user_wei_md, bias_md;      // (KH, KW, C, O): hwio / (O,): a
  convolution_forward::primitive_desc fwd_pd;
  convolution_backward_data::primitive_desc bwd_data_pd;
  convolution_backward_weights::primitive_desc bwd_wei_pd;
  eltwise_backward::primitive_desc relu_pd;  // only with a fused relu
  convolution_forward fwd;
  convolution_backward_data bwd_data;
  convolution_backward_weights bwd_wei;
  eltwise_backward relu_bwd;
};

class Conv2DImpl : public LayerImpl, public fusion::Fusable {
 public:
  Conv2DImpl(std::int64_t filters, std::array<std::int64_t, 2> k, Conv2DOptions o,
             std::source_location loc)
      : LayerImpl("Conv2D", "conv2d", o.name, loc), filters_(filters), opt_(o) {
    opt_.seed = layer_seed(o.seed);
    win_ = {k[0], k[1], o.strides[0], o.strides[1], o.dilation[0], o.dilation[1], o.padding};
    checks::check_option_positive("Conv2D filters", filters, "the number of output channels",
                                  site(), Phase::build);
    check_window_option("Conv2D kernel_size", k, site());
    check_window_option("Conv2DOptions::strides", o.strides, site());
    check_window_option("Conv2DOptions::dilation", o.dilation, site());
  }

  // (N, H, W, C) -> (N, H', W', filters); H'/W' by TensorFlow's valid/same rule.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    Shape out = windowed_output_shape(in[0], win_, site(), phase, "kernel", filters_);
    check_kernel_limits(in[0], phase);
    checks::check_known_last_axis("conv.channels", site(), in[0], "its kernel", phase);
    checks::check_built_size("conv.channels", site(), facts(), in[0], phase);
    return out;
  }

  void build(const std::vector<Shape>& in) override {
    in_channels_ = in[0][3];
    const double area = static_cast<double>(win_.kh) * static_cast<double>(win_.kw);
    kernel_ = glorot_uniform({win_.kh, win_.kw, in_channels_, filters_}, area * in_channels_,
                             area * filters_, opt_.seed);
    kernel_.requires_grad(true);
    if (opt_.use_bias) bias_ = Tensor::zeros({filters_}).requires_grad(true);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override;

  fusion::Facts fusion_facts() const override {
    return {.op = fusion::Op::conv2d, .relu_activation = opt_.activation == Activation::relu};
  }

  std::vector<Tensor> weights() const override {
    if (!built()) return {};
    return opt_.use_bias ? std::vector<Tensor>{kernel_, bias_} : std::vector<Tensor>{kernel_};
  }
  std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f = checks::facts_of(checks::SizeRule::windows, window_facts(win_, true));
    f.output_size_option = "filters";
    if (built()) f.built_last_axis = in_channels_, f.built_weight = "kernel " + kernel_.shape().str();
    return f;
  }
  std::string describe() const override {
    std::string s = window_text(win_.kh, win_.kw) + ", " + padding_name(win_.padding);
    if (win_.sh != 1 || win_.sw != 1) s += ", strides " + window_text(win_.sh, win_.sw);
    if (win_.dh != 1 || win_.dw != 1) s += ", dilation " + window_text(win_.dh, win_.dw);
    if (opt_.activation != Activation::none) s += std::string(", ") + activation_name(opt_.activation);
    return s;
  }

  std::vector<LayerOption> options() const override {
    using V = std::vector<std::int64_t>;
    return {{"filters", filters_},
            {"kernel_size", V{win_.kh, win_.kw}},
            {"strides", V{win_.sh, win_.sw}},
            {"padding", std::string(padding_name(win_.padding))},
            {"dilation_rate", V{win_.dh, win_.dw}},
            {"use_bias", opt_.use_bias},
            {"activation", std::string(activation_name(opt_.activation))},
            {"seed", static_cast<std::int64_t>(opt_.seed)}};
  }

 private:
  void check_kernel_limits(const Shape& s, Phase phase) const;
  std::shared_ptr<ConvPlan> plan_for(const Shape& x) const;
  ConvPlan make_plan(const Shape& x) const;

  std::int64_t filters_, in_channels_ = 0;
  Conv2DOptions opt_;
  Window2D win_;
  Tensor kernel_, bias_;
  mutable kernels::PlanCache<ConvPlan> plans_;
};

// oneDNN takes strides, the dilated kernel extent and the padding as 32-bit sizes: beyond them
// its convolution fails, so such sizes are the user's options.invalid, not an internal error.
void Conv2DImpl::check_kernel_limits(const Shape& s, Phase phase) const {
  constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
  const AxisPlan ph = plan_axis(s[1], win_.kh, win_.sh, win_.dh, win_.padding);
  const AxisPlan pw = plan_axis(s[2], win_.kw, win_.sw, win_.dw, win_.padding);
  auto extent = [](std::int64_t k, std::int64_t d) { return double(k - 1) * double(d) + 1; };
  for (double v : {double(win_.sh), double(win_.sw), extent(win_.kh, win_.dh),
                   extent(win_.kw, win_.dw), double(ph.pad_after), double(pw.pad_after)})
    if (v > double(kLimit))
      checks::invalid_option("'" + name() + "' kernel size, strides and dilation",
                             "strides " + window_text(win_.sh, win_.sw) + ", dilation " +
                                 window_text(win_.dh, win_.dw) + " with a " +
                                 window_text(win_.kh, win_.kw) + " kernel",
                             "strides, dilated kernel extent and padding of at most " +
                                 std::to_string(kLimit) + " (the convolution kernel's limit)",
                             site(), phase);
}

ConvPlan Conv2DImpl::make_plan(const Shape& x) const {
  ConvPlan p;
  AxisPlan ph = plan_axis(x[1], win_.kh, win_.sh, win_.dh, win_.padding);
  AxisPlan pw = plan_axis(x[2], win_.kw, win_.sw, win_.dw, win_.padding);
  const std::int64_t n = x[0], c = x[3], o = filters_;
  p.out_shape = Shape{n, ph.out, pw.out, o};
  p.src_md = kernels::nhwc_desc(x);
  p.dst_md = kernels::f32_desc({n, o, ph.out, pw.out}, tag::nhwc);
  p.user_wei_md = kernels::f32_desc({o, c, win_.kh, win_.kw}, tag::hwio);
  p.bias_md = opt_.use_bias ? kernels::f32_desc({o}, tag::a) : memory::desc();
  memory::desc any_wei = kernels::f32_desc({o, c, win_.kh, win_.kw}, tag::any);
  memory::desc any_src = kernels::f32_desc({n, c, x[1], x[2]}, tag::any);
  memory::desc any_dst = kernels::f32_desc({n, o, ph.out, pw.out}, tag::any);
  memory::dims strides{win_.sh, win_.sw}, dil{win_.dh - 1, win_.dw - 1};  // oneDNN: 0 = none
  memory::dims pad_l{ph.pad_before, pw.pad_before}, pad_r{ph.pad_after, pw.pad_after};
  const bool relu = opt_.activation == Activation::relu;
  post_ops ops;
  if (relu) ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
  engine& eng = kernels::engine();
  convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct,
                               any_src, any_wei, p.bias_md, any_dst, strides, dil, pad_l, pad_r);
  p.fwd_pd = {fd, kernels::scratchpad_attr(ops), eng};
  convolution_backward_data::desc bd(algorithm::convolution_direct, any_src, any_wei, any_dst,
                                     strides, dil, pad_l, pad_r);
  p.bwd_data_pd = {bd, kernels::scratchpad_attr(), eng, p.fwd_pd};
  convolution_backward_weights::desc bw(algorithm::convolution_direct, any_src, any_wei,
                                        p.bias_md, any_dst, strides, dil, pad_l, pad_r);
  p.bwd_wei_pd = {bw, kernels::scratchpad_attr(), eng, p.fwd_pd};
  p.fwd = convolution_forward(p.fwd_pd);
  p.bwd_data = convolution_backward_data(p.bwd_data_pd);
  p.bwd_wei = convolution_backward_weights(p.bwd_wei_pd);
  if (relu) {  // relu'(pre) from the saved output: dst > 0 exactly where pre > 0
    const memory::desc& y = p.fwd_pd.dst_desc();
    eltwise_forward::primitive_desc hint(
        {prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, y, 0.0f}, eng);
    p.relu_pd = {{algorithm::eltwise_relu_use_dst_for_bwd, y, y, 0.0f},
                 kernels::scratchpad_attr(), eng, hint};
    p.relu_bwd = eltwise_backward(p.relu_pd);
  }
  return p;
}

std::shared_ptr<ConvPlan> Conv2DImpl::plan_for(const Shape& x) const {
  std::shared_ptr<ConvPlan> plan;
  kernels::guarded(name() + " (Conv2D)", {x, kernel_.shape()},
                   [&] { plan = plans_.get(x.dims(), [&] { return make_plan(x); }); });
  return plan;
}

// dx, dkernel, dbias from dout (N, OH, OW, O), x (N, H, W, C) and y, the saved output, each
// in whatever layout it lies; dx comes back in backward-data's preferred layout.
std::vector<Tensor> conv_backward(const ConvPlan& p, const Tensor& x, const Tensor& y,
                                  const Tensor& kernel, const Tensor& bias, const Tensor& dout,
                                  bool relu) {
  Tensor dout_holder, dpre_holder, dx, dkernel = Tensor::empty(kernel.shape()), dbias;
  const memory::desc& y_md = p.fwd_pd.dst_desc();
  memory ddst = kernels::read_as(dout, p.dst_md, y_md, dout_holder);
  if (relu) {  // through the fused relu first: dpre = dout * (y > 0)
    Tensor y_holder;
    // In place when these bytes are this closure's own: a copy made above, or a gradient the
    // engine handed over that nothing else holds.
    const bool own = dout_holder.defined() || exclusively_owned(dout);
    memory dpre = own ? ddst : kernels::pooled(y_md, dpre_holder);
    kernels::execute(p.relu_bwd, p.relu_pd,
                     {{DNNL_ARG_DIFF_DST, ddst},
                      {DNNL_ARG_DST, kernels::read_as(y, p.dst_md, y_md, y_holder)},
                      {DNNL_ARG_DIFF_SRC, dpre}});
    ddst = dpre;
  }
  if (x.requires_grad()) {
    dx = kernels::empty_in(x.shape(), p.bwd_data_pd.diff_src_desc(), p.src_md);
    Tensor wei_holder, ddst_holder;  // the kernel and dout in backward-data's layouts
    memory wei = kernels::as_layout(kernels::wrap(p.user_wei_md, kernel),
                                    p.bwd_data_pd.weights_desc(), wei_holder);
    kernels::execute(p.bwd_data, p.bwd_data_pd,
                     {{DNNL_ARG_DIFF_DST,
                       kernels::as_layout(ddst, p.bwd_data_pd.diff_dst_desc(), ddst_holder)},
                      {DNNL_ARG_WEIGHTS, wei},
                      {DNNL_ARG_DIFF_SRC, kernels::wrap_in(p.bwd_data_pd.diff_src_desc(), dx)}});
  }
  memory user_dwei = kernels::wrap(p.user_wei_md, dkernel);
  bool direct = p.bwd_wei_pd.diff_weights_desc() == p.user_wei_md;
  Tensor dwei_holder, src_holder, ddst_holder;  // oneDNN-layout copies
  memory dwei =
      direct ? user_dwei : kernels::pooled(p.bwd_wei_pd.diff_weights_desc(), dwei_holder);
  kernels::Args args{
      {DNNL_ARG_SRC, kernels::read_as(x, p.src_md, p.bwd_wei_pd.src_desc(), src_holder)},
      {DNNL_ARG_DIFF_DST, kernels::as_layout(ddst, p.bwd_wei_pd.diff_dst_desc(), ddst_holder)},
      {DNNL_ARG_DIFF_WEIGHTS, dwei}};
  if (bias.defined()) {
    dbias = Tensor::empty(bias.shape());
    args.emplace(DNNL_ARG_DIFF_BIAS, kernels::wrap(p.bias_md, dbias));
  }
  kernels::execute(p.bwd_wei, p.bwd_wei_pd, std::move(args));
  if (!direct) kernels::reorder(dwei, user_dwei);
  return {dx, dkernel, dbias};
}

Tensor Conv2DImpl::forward(const std::vector<Tensor>& in, const CallOptions&) {
  const Tensor& x = in[0];
  std::shared_ptr<ConvPlan> plan = plan_for(x.shape());
  const ConvPlan& p = *plan;
  Tensor y = kernels::empty_in(p.out_shape, p.fwd_pd.dst_desc(), p.dst_md);  // (N, OH, OW, O)
  const std::string where = name() + " (Conv2D)";
  kernels::guarded(where, {x.shape(), kernel_.shape()}, [&] {
    Tensor src_holder, wei_holder;  // x and the kernel in the forward primitive's layouts
    kernels::Args args{
        {DNNL_ARG_SRC, kernels::read_as(x, p.src_md, p.fwd_pd.src_desc(), src_holder)},
        {DNNL_ARG_WEIGHTS, kernels::as_layout(kernels::wrap(p.user_wei_md, kernel_),
                                              p.fwd_pd.weights_desc(), wei_holder)},
        {DNNL_ARG_DST, kernels::wrap_in(p.fwd_pd.dst_desc(), y)}};
    if (opt_.use_bias) args.emplace(DNNL_ARG_BIAS, kernels::wrap(p.bias_md, bias_));
    kernels::execute(p.fwd, p.fwd_pd, std::move(args));
  });
  // The ReLU's backward, unless a fused node left it to the MaxPool2D after (core/training/fusion).
  const bool relu =
      opt_.activation == Activation::relu && !fusion::role_of(this).leave_relu_backward;
  // The closure keeps the plan, the input and a history-free view of the output (capturing y
  // itself would make y's grad node own y: a reference cycle).
  y = attach_grad(y, where, {x, kernel_, bias_},
                  [plan, x, saved = y.detach(), kernel = kernel_, bias = bias_, relu,
                   where](const Tensor& dout) {
                    std::vector<Tensor> grads;
                    kernels::guarded(where + " backward", {x.shape(), dout.shape()}, [&] {
                      grads = conv_backward(*plan, x, saved, kernel, bias, dout, relu);
                    });
                    return grads;
                  });
  return opt_.activation == Activation::softmax ? apply_activation(y, opt_.activation) : y;
}

}  // namespace

Conv2D::Conv2D(std::int64_t filters, std::array<std::int64_t, 2> kernel_size,
               Conv2DOptions options, std::source_location loc)
    : Layer(std::make_shared<Conv2DImpl>(filters, kernel_size, options, loc)) {}

}  // namespace tenet
