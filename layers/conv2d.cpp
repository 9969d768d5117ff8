#include <tenet/layers/conv2d.hpp>

#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/kernels/context.hpp"
#include "core/kernels/conv.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

class Conv2DImpl : public LayerImpl, public fusion::Fusable {
 public:
  Conv2DImpl(std::int64_t filters, std::array<std::int64_t, 2> k, Conv2DOptions o,
             std::source_location loc)
      : LayerImpl("Conv2D", "conv2d", o.name, loc), filters_(filters), opt_(o) {
    opt_.seed = layer_seed(o.seed);
    win_ = {k[0], k[1], o.strides[0], o.strides[1], o.dilation[0], o.dilation[1], o.padding};
    checks::check_option_positive("Conv2D filters", filters, "the number of output channels",
                                  site(), Phase::build);
    checks::check_window_option("Conv2D kernel_size", k, site());
    checks::check_window_option("Conv2DOptions::strides", o.strides, site());
    checks::check_window_option("Conv2DOptions::dilation", o.dilation, site());
  }

  // (N, H, W, C) -> (N, H', W', filters); H'/W' by TensorFlow's valid/same rule.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    Shape out = checks::windowed_output_shape(in[0], win_, site(), phase, "kernel", filters_);
    check_kernel_limits(in[0], phase);
    checks::check_known_last_axis("conv.channels", site(), in[0], "its kernel", phase);
    checks::check_built_size("conv.channels", site(), facts(), in[0], phase);
    checks::check_nonempty_channels(site(), in[0], {win_.kh, win_.kw}, filters_, phase);
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
    checks::LayerFacts f = checks::facts_of(checks::SizeRule::windows, checks::window_facts(win_, true));
    f.output_size_option = "filters";
    f.ends_in_softmax = opt_.activation == Activation::softmax;
    if (built()) f.built_last_axis = in_channels_, f.built_weight = "kernel " + kernel_.shape().str();
    return f;
  }
  std::string describe() const override {
    std::string s = checks::window_text(win_.kh, win_.kw) + ", " + padding_name(win_.padding);
    if (win_.sh != 1 || win_.sw != 1) s += ", strides " + checks::window_text(win_.sh, win_.sw);
    if (win_.dh != 1 || win_.dw != 1) s += ", dilation " + checks::window_text(win_.dh, win_.dw);
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
  std::shared_ptr<const kernels::ConvPlan> plan_for(const Shape& x, bool training) const;

  std::int64_t filters_, in_channels_ = 0;
  Conv2DOptions opt_;
  checks::Window2D win_;
  Tensor kernel_, bias_;
  mutable kernels::ConvPlans plans_;
  const std::string where_ = name() + " (Conv2D)";  // names the kernel in internal errors
};

// oneDNN takes strides, the dilated kernel extent and the padding as 32-bit sizes: beyond them
// its convolution fails, so such sizes are the user's options.invalid, not an internal error.
void Conv2DImpl::check_kernel_limits(const Shape& s, Phase phase) const {
  constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
  const checks::AxisPlan ph = checks::plan_axis(s[1], win_.kh, win_.sh, win_.dh, win_.padding);
  const checks::AxisPlan pw = checks::plan_axis(s[2], win_.kw, win_.sw, win_.dw, win_.padding);
  auto extent = [](std::int64_t k, std::int64_t d) { return double(k - 1) * double(d) + 1; };
  for (double v : {double(win_.sh), double(win_.sw), extent(win_.kh, win_.dh),
                   extent(win_.kw, win_.dw), double(ph.pad_after), double(pw.pad_after)})
    if (v > double(kLimit))
      checks::invalid_option("'" + name() + "' kernel size, strides and dilation",
                             "strides " + checks::window_text(win_.sh, win_.sw) + ", dilation " +
                                 checks::window_text(win_.dh, win_.dw) + " with a " +
                                 checks::window_text(win_.kh, win_.kw) + " kernel",
                             "strides, dilated kernel extent and padding of at most " +
                                 std::to_string(kLimit) + " (the convolution kernel's limit)",
                             site(), phase);
}

// The kernel's geometry for input x (N, H, W, C): padding and output size by TensorFlow's rule.
// `training`: with the backward passes; else the forward without gradient alone (predict).
std::shared_ptr<const kernels::ConvPlan> Conv2DImpl::plan_for(const Shape& x, bool training) const {
  const checks::AxisPlan ph = checks::plan_axis(x[1], win_.kh, win_.sh, win_.dh, win_.padding);
  const checks::AxisPlan pw = checks::plan_axis(x[2], win_.kw, win_.sw, win_.dw, win_.padding);
  kernels::ConvGeometry g{x, filters_, {win_.kh, win_.kw}, {win_.sh, win_.sw},
                          {win_.dh, win_.dw}, {ph.pad_before, pw.pad_before},
                          {ph.pad_after, pw.pad_after}, {ph.out, pw.out}, opt_.use_bias,
                          opt_.activation == Activation::relu, training};
  std::shared_ptr<const kernels::ConvPlan> plan;
  kernels::guarded(where_, {x, kernel_.shape()},
                   [&] { plan = kernels::conv_plan(plans_, g); });
  return plan;
}

Tensor Conv2DImpl::forward(const std::vector<Tensor>& in, const CallOptions&) {
  const Tensor& x = in[0];
  const bool training = attach_grad_active();  // false in predict: no backward to plan
  std::shared_ptr<const kernels::ConvPlan> plan = plan_for(x.shape(), training);
  const std::string& where = where_;
  Tensor y;  // (N, OH, OW, filters)
  kernels::guarded(where, {x.shape(), kernel_.shape()},
                   [&] { y = kernels::conv_forward(*plan, x, kernel_, bias_); });
  if (!training)  // predict: no closure to build
    return opt_.activation == Activation::softmax ? softmax(y, -1) : y;
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
                      grads = kernels::conv_backward(*plan, x, saved, kernel, bias, dout, relu);
                    });
                    return grads;
                  });
  return opt_.activation == Activation::softmax ? softmax(y, -1) : y;
}

}  // namespace

Conv2D::Conv2D(std::int64_t filters, std::array<std::int64_t, 2> kernel_size,
               Conv2DOptions options, std::source_location loc)
    : Layer(std::make_shared<Conv2DImpl>(filters, kernel_size, options, loc)) {}

}  // namespace tenet
