#pragma once
// 2-D max pooling of channels-last images on tenet's own loops (pooling.hpp), in tenet's terms:
// x (N, H, W, C) is read as it lies (row-major, or the blocked layout of the oneDNN layer
// before; any other layout is first converted to row-major) and y (N, OH, OW, C) is written in
// the same kind of layout, so the next oneDNN layer reads it without a conversion. Training
// keeps each output's argmax position for backward, which writes dx in x's layout.
#include <cstdint>
#include <memory>

#include "core/kernels/plan_cache.hpp"
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

struct PoolGeometry {
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1;  // window and strides
  std::int64_t pad_top = 0, pad_left = 0;       // "same" padding before the first row/column
  std::int64_t out_h = 0, out_w = 0;            // (OH, OW), from the layer's padding rule
};

struct PoolPlan;  // the layouts and loop bounds of one input shape and layout (max_pool.cpp)
using PoolPlans = PlanCache<PoolPlan>;

// The plan for x (its shape and layout) pooled by `g`, from `cache`; one cache serves one
// layer (its window is not part of the key).
std::shared_ptr<const PoolPlan> max_pool_plan(PoolPlans& cache, const Tensor& x,
                                              const PoolGeometry& g);

// y = the maximum of each window. With `argmax` set, it receives every output's argmax
// position (for max_pool2d_backward); `relu_input`: x is a ReLU's output, so a window whose
// maximum is 0 passes no gradient back (the ReLU's backward would zero it).
Tensor max_pool2d_forward(const PoolPlan& p, const Tensor& x, Tensor* argmax, bool relu_input);

// dx (x_shape, in x's layout): dout at each argmax position, summed where windows overlap.
Tensor max_pool2d_backward(const PoolPlan& p, const Shape& x_shape, const Tensor& argmax,
                           const Tensor& dout);

}  // namespace tenet::kernels
