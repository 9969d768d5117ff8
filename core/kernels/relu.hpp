#pragma once
// ReLU on a tensor in a oneDNN blocked layout (a Conv2D or BatchNorm output), computed in that
// layout by oneDNN's eltwise primitives, so the next oneDNN layer reads it without a reorder.
// relu() in core/ops takes this path for blocked tensors and its own loop otherwise.
#include <memory>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

struct ReluPlan;  // the primitives of one shape and layout (relu.cpp)

// y = max(x, 0) in x's layout; `plan` receives what blocked_relu_backward needs.
Tensor blocked_relu(const Tensor& x, std::shared_ptr<const ReluPlan>& plan);

// dx = dout * (y > 0) from the forward's output y, in its layout; written over dout when the
// engine handed dout over in that layout and nothing else holds it.
Tensor blocked_relu_backward(const ReluPlan& p, const Tensor& y, const Tensor& dout);

}  // namespace tenet::kernels
