#include <tenet/layers/max_pool2d.hpp>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/graph/fusable.hpp"
#include "core/kernels/memory.hpp"
#include "core/tensor/tensor_impl.hpp"
#include "core/kernels/pooling.hpp"
#include "layers/spatial.hpp"

namespace tenet {

namespace {

using dnnl::memory;
using kernels::tag;

// One input shape and layout. tenet's own kernels (core/pool_kernels) read the input as it
// lies (nhwc, or the blocked layout of the oneDNN layer before; any other layout is first
// converted to nhwc) and write the output in the same kind of layout, so the next oneDNN layer
// reads it without a conversion. Training keeps each output's argmax position (one byte for
// windows under 255 cells, kernels::argmax_bytes) for backward, which writes the gradient in the input's layout.
struct PoolPlan {
  Shape out_shape;              // (N, OH, OW, C)
  memory::desc src_md, dst_md;  // (N, H, W, C) / (N, OH, OW, C) row-major: nhwc
  memory::desc x_md, y_md;      // the layouts the kernels read the input in and write the output
  kernels::LaneBlocks xb, yb;
  kernels::PoolWindow window;
};

class MaxPool2DImpl : public LayerImpl, public fusion::Fusable {
 public:
  MaxPool2DImpl(std::array<std::int64_t, 2> pool, MaxPool2DOptions o, std::source_location loc)
      : LayerImpl("MaxPool2D", "max_pooling2d", o.name, loc) {
    std::array<std::int64_t, 2> s = o.strides == std::array<std::int64_t, 2>{} ? pool : o.strides;
    win_ = {pool[0], pool[1], s[0], s[1], 1, 1, o.padding};
    check_window_option("MaxPool2D pool_size", pool, site());
    check_window_option("MaxPool2DOptions::strides", s, site());
  }

  // (N, H, W, C) -> (N, H', W', C); H'/W' by TensorFlow's valid/same rule.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    return windowed_output_shape(in[0], win_, site(), phase, "pool window", kUnknown);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override;

  fusion::Facts fusion_facts() const override { return {.op = fusion::Op::max_pool2d}; }

  checks::LayerFacts facts() const override {
    return checks::facts_of(checks::SizeRule::windows, window_facts(win_, false));
  }
  std::string describe() const override {
    std::string s = window_text(win_.kh, win_.kw);
    if (win_.padding == Padding::same) s += ", same";
    if (win_.sh != win_.kh || win_.sw != win_.kw) s += ", strides " + window_text(win_.sh, win_.sw);
    return s;
  }

  std::vector<LayerOption> options() const override {
    using V = std::vector<std::int64_t>;
    return {{"pool_size", V{win_.kh, win_.kw}},
            {"strides", V{win_.sh, win_.sw}},
            {"padding", std::string(padding_name(win_.padding))}};
  }

 private:
  PoolPlan make_plan(const Tensor& x) const;

  Window2D win_;
  kernels::PlanCache<PoolPlan> plans_;
};

PoolPlan MaxPool2DImpl::make_plan(const Tensor& input) const {
  PoolPlan p;
  const Shape& x = input.shape();
  AxisPlan ph = plan_axis(x[1], win_.kh, win_.sh, 1, win_.padding);
  AxisPlan pw = plan_axis(x[2], win_.kw, win_.sw, 1, win_.padding);
  const std::int64_t n = x[0], c = x[3];
  p.out_shape = Shape{n, ph.out, pw.out, c};
  p.src_md = kernels::nhwc_desc(x);
  p.dst_md = kernels::f32_desc({n, c, ph.out, pw.out}, tag::nhwc);
  p.x_md = kernels::stored_desc(input, p.src_md);
  std::optional<kernels::LaneBlocks> xb = kernels::lane_blocks(p.x_md);
  if (!xb) {  // a layout the kernels do not read: converted to nhwc first
    p.x_md = p.src_md;
    xb = kernels::lane_blocks(p.x_md);
  }
  p.xb = *xb;
  p.yb = kernels::with_size(p.xb, ph.out, pw.out);
  p.y_md = kernels::desc_of(p.yb, c);
  p.window = {win_.kh, win_.kw, win_.sh, win_.sw, ph.pad_before, pw.pad_before};
  return p;
}

Tensor MaxPool2DImpl::forward(const std::vector<Tensor>& in, const CallOptions&) {
  const Tensor& x = in[0];
  const bool training = needs_grad({x});  // argmax positions only when a gradient will be asked
  // In a fused node (Conv2D+ReLU+MaxPool2D): a window whose maximum is 0 passes no gradient.
  const bool relu_input = fusion::role_of(this).input_from_relu;
  const std::string where = name() + " (MaxPool2D)";
  std::shared_ptr<PoolPlan> plan;
  Tensor y;
  Tensor argmax;  // per output lane: the window cell of its maximum (pooled storage)
  kernels::guarded(where, {x.shape()}, [&] {
    std::vector<std::int64_t> key = x.shape().dims();
    kernels::append_layout_key(key, x);
    plan = plans_.get(key, [&] { return make_plan(x); });
    const PoolPlan& p = *plan;
    Tensor x_holder;  // x converted to nhwc, when the kernels do not read its layout
    const auto* px = static_cast<const float*>(
        kernels::read_as(x, p.src_md, p.x_md, x_holder).get_data_handle());
    y = kernels::empty_in(p.out_shape, p.y_md, p.dst_md);  // (N, OH, OW, C)
    auto* py = static_cast<float*>(kernels::wrap_in(p.y_md, y).get_data_handle());
    if (training)
      argmax = Tensor::empty({p.yb.size() * static_cast<std::int64_t>(kernels::argmax_bytes(p.window))},
                             DType::u8);
    kernels::max_pool_forward(px, p.xb, py, p.yb, training ? stored_bytes(argmax) : nullptr,
                              p.window, relu_input);
  });
  if (!training) return y;
  return attach_grad(y, where, {x}, [plan, argmax, where, xs = x.shape()](const Tensor& dout) {
    const PoolPlan& p = *plan;
    Tensor dx = kernels::empty_in(xs, p.x_md, p.src_md);  // (N, H, W, C), laid out like x
    kernels::guarded(where + " backward", {xs, dout.shape()}, [&] {
      Tensor dout_holder;  // dout in the layout of the forward's output, when it is not
      const auto* pg = static_cast<const float*>(
          kernels::read_as(dout, p.dst_md, p.y_md, dout_holder).get_data_handle());
      auto* pdx = static_cast<float*>(kernels::wrap_in(p.x_md, dx).get_data_handle());
      kernels::max_pool_backward(pg, p.yb, stored_bytes(argmax), pdx, p.xb, p.window);
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

MaxPool2D::MaxPool2D(std::array<std::int64_t, 2> pool_size, MaxPool2DOptions options,
                     std::source_location loc)
    : Layer(std::make_shared<MaxPool2DImpl>(pool_size, options, loc)) {}

}  // namespace tenet
