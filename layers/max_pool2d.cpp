#include <tenet/layers/max_pool2d.hpp>

#include <cstdint>
#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/graph/fusable.hpp"
#include "core/kernels/context.hpp"
#include "core/kernels/max_pool.hpp"

namespace tenet {

namespace {

class MaxPool2DImpl : public LayerImpl, public fusion::Fusable {
 public:
  MaxPool2DImpl(std::array<std::int64_t, 2> pool, MaxPool2DOptions o, std::source_location loc)
      : LayerImpl("MaxPool2D", "max_pooling2d", o.name, loc) {
    std::array<std::int64_t, 2> s = o.strides == std::array<std::int64_t, 2>{} ? pool : o.strides;
    win_ = {pool[0], pool[1], s[0], s[1], 1, 1, o.padding};
    checks::check_window_option("MaxPool2D pool_size", pool, site());
    checks::check_window_option("MaxPool2DOptions::strides", s, site());
    // Conv2D's limit (its convolution kernel's 32-bit sizes): within it, a window's cells and
    // the position of its maximum fit the pooling loops' 64-bit arithmetic (from 2^32 per side
    // the cell count overflowed it; from 2^31 positions kept in 32 bits gave wrong gradients).
    constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
    checks::check_window_limit("MaxPool2D pool_size", pool, kLimit,
                               "pool windows are limited as Conv2D's kernels are; the pooling "
                               "loops count a window's cells and the position of its maximum "
                               "in 64 bits, which holds 2147483647 x 2147483647 cells",
                               "use a pool of at most 2147483647 per side; for the maximum over "
                               "the whole height and width, GlobalMaxPooling2D()",
                               site());
    checks::check_window_limit("MaxPool2DOptions::strides", s, kLimit,
                               "strides are limited as Conv2D's are; a stride that reaches past "
                               "the input already leaves one window along that axis",
                               "use strides of at most 2147483647", site());
  }

  // (N, H, W, C) -> (N, H', W', C); H'/W' by TensorFlow's valid/same rule.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    return checks::windowed_output_shape(in[0], win_, site(), phase, "pool window", kUnknown);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override;

  fusion::Facts fusion_facts() const override { return {.op = fusion::Op::max_pool2d}; }

  checks::LayerFacts facts() const override {
    return checks::facts_of(checks::SizeRule::windows, checks::window_facts(win_, false));
  }
  std::string describe() const override {
    std::string s = checks::window_text(win_.kh, win_.kw);
    if (win_.padding == Padding::same) s += ", same";
    if (win_.sh != win_.kh || win_.sw != win_.kw) s += ", strides " + checks::window_text(win_.sh, win_.sw);
    return s;
  }

  std::vector<LayerOption> options() const override {
    using V = std::vector<std::int64_t>;
    return {{"pool_size", V{win_.kh, win_.kw}},
            {"strides", V{win_.sh, win_.sw}},
            {"padding", std::string(padding_name(win_.padding))}};
  }

 private:
  checks::Window2D win_;
  kernels::PoolPlans plans_;
  const std::string where_ = name() + " (MaxPool2D)";  // names the kernel in internal errors
};

Tensor MaxPool2DImpl::forward(const std::vector<Tensor>& in, const CallOptions&) {
  const Tensor& x = in[0];
  const bool training = needs_grad({x});  // argmax positions only when a gradient will be asked
  // In a fused node (Conv2D+ReLU+MaxPool2D): a window whose maximum is 0 passes no gradient.
  const bool relu_input = fusion::role_of(this).input_from_relu;
  const std::string& where = where_;
  const checks::AxisPlan ph = checks::plan_axis(x.shape()[1], win_.kh, win_.sh, 1, win_.padding);
  const checks::AxisPlan pw = checks::plan_axis(x.shape()[2], win_.kw, win_.sw, 1, win_.padding);
  const kernels::PoolGeometry g{win_.kh, win_.kw, win_.sh, win_.sw,
                                ph.pad_before, pw.pad_before, ph.out, pw.out};
  std::shared_ptr<const kernels::PoolPlan> plan;
  Tensor y;       // (N, OH, OW, C)
  Tensor argmax;  // per output lane: the window cell of its maximum
  kernels::guarded(where, {x.shape()}, [&] {
    plan = kernels::max_pool_plan(plans_, x, g);
    y = kernels::max_pool2d_forward(*plan, x, training ? &argmax : nullptr, relu_input);
  });
  if (!training) return y;
  return attach_grad(y, where, {x}, [plan, argmax, where, xs = x.shape()](const Tensor& dout) {
    Tensor dx;
    kernels::guarded(where + " backward", {xs, dout.shape()},
                     [&] { dx = kernels::max_pool2d_backward(*plan, xs, argmax, dout); });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

MaxPool2D::MaxPool2D(std::array<std::int64_t, 2> pool_size, MaxPool2DOptions options,
                     std::source_location loc)
    : Layer(std::make_shared<MaxPool2DImpl>(pool_size, options, loc)) {}

}  // namespace tenet
