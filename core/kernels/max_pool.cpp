#include "core/kernels/max_pool.hpp"

#include <tenet/core/tensor/autograd.hpp>
#include "core/kernels/memory.hpp"
#include "core/kernels/pooling.hpp"

namespace tenet::kernels {

using dnnl::memory;

// One input shape and layout. The loops read the input as it lies (nhwc, or a blocked layout
// they know; any other layout is first converted to nhwc) and write the output in the same kind
// of layout. Training keeps each output's argmax position (one byte for windows under 255
// cells, argmax_bytes).
struct PoolPlan {
  Shape out_shape;              // (N, OH, OW, C)
  memory::desc src_md, dst_md;  // (N, H, W, C) / (N, OH, OW, C) row-major: nhwc
  memory::desc x_md, y_md;      // the layouts the loops read the input in and write the output
  LaneBlocks xb, yb;
  PoolWindow window;
};

namespace {

PoolPlan make_plan(const Tensor& input, const PoolGeometry& g) {
  PoolPlan p;
  const Shape& x = input.shape();
  const std::int64_t n = x[0], c = x[3];
  p.out_shape = Shape{n, g.out_h, g.out_w, c};
  p.src_md = nhwc_desc(x);
  p.dst_md = f32_desc({n, c, g.out_h, g.out_w}, tag::nhwc);
  p.x_md = stored_desc(input, p.src_md);
  std::optional<LaneBlocks> xb = lane_blocks(p.x_md);
  if (!xb) {  // a layout the loops do not read: converted to nhwc first
    p.x_md = p.src_md;
    xb = lane_blocks(p.x_md);
  }
  p.xb = *xb;
  p.yb = with_size(p.xb, g.out_h, g.out_w);
  p.y_md = desc_of(p.yb, c);
  p.window = {g.kh, g.kw, g.sh, g.sw, g.pad_top, g.pad_left};
  return p;
}

}  // namespace

std::shared_ptr<const PoolPlan> max_pool_plan(PoolPlans& cache, const Tensor& x,
                                              const PoolGeometry& g) {
  thread_local std::vector<std::int64_t> key;  // its capacity kept: no allocation per call
  key.assign(x.shape().begin(), x.shape().end());
  append_layout_key(key, x);
  return cache.get(key, [&] { return make_plan(x, g); });
}

Tensor max_pool2d_forward(const PoolPlan& p, const Tensor& x, Tensor* argmax, bool relu_input) {
  Tensor x_holder;  // x converted to nhwc, when the loops do not read its layout
  const auto* px = static_cast<const float*>(bytes_in_layout(x, p.src_md, p.x_md, x_holder));
  Tensor y = empty_in(p.out_shape, p.y_md, p.dst_md);  // (N, OH, OW, C)
  auto* py = static_cast<float*>(stored_data(p.y_md, y));
  if (argmax)
    *argmax = Tensor::empty(
        {p.yb.size() * static_cast<std::int64_t>(argmax_bytes(p.window))}, DType::u8);
  max_pool_forward(px, p.xb, py, p.yb, argmax ? stored_bytes(*argmax) : nullptr, p.window,
                   relu_input);
  return y;
}

Tensor max_pool2d_backward(const PoolPlan& p, const Shape& x_shape, const Tensor& argmax,
                           const Tensor& dout) {
  Tensor dx = empty_in(x_shape, p.x_md, p.src_md);  // (N, H, W, C), laid out like x
  auto* pdx = static_cast<float*>(stored_data(p.x_md, dx));
  const std::int64_t channels = p.out_shape[3];
  // A row-major dout (from a Flatten after the pooling) is read in place where the loops can.
  if (stored_desc(dout, p.dst_md) == p.dst_md &&
      reads_row_major_dy(p.xb, p.yb, p.window, channels)) {
    const auto* pg = static_cast<const float*>(stored_data(p.dst_md, dout));
    max_pool_backward(pg, p.yb, stored_bytes(argmax), pdx, p.xb, p.window, channels);
    return dx;
  }
  Tensor dout_holder;  // dout in the layout of the forward's output, when it is not
  const auto* pg = static_cast<const float*>(bytes_in_layout(dout, p.dst_md, p.y_md, dout_holder));
  max_pool_backward(pg, p.yb, stored_bytes(argmax), pdx, p.xb, p.window);
  return dx;
}

}  // namespace tenet::kernels
