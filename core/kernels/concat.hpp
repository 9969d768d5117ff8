#pragma once
// Concatenation on the channel axis of images (N, H, W, C_i) that lie in oneDNN layouts
// (Conv2D, MaxPool2D, BatchNorm outputs): oneDNN's concat writes the output in its preferred
// layout, and the gradient of each input is a sub-block of the output gradient, reordered out
// of it. concat() in core/ops takes this path when one input is blocked.
#include <memory>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

struct ConcatPlan;  // the primitive of one list of shapes and layouts (concat.cpp)

// out (N, H, W, sum of C_i), of `out_shape`; `plan` receives what the backward needs.
Tensor blocked_concat_channels(const std::vector<Tensor>& xs, const Shape& out_shape,
                               std::shared_ptr<const ConcatPlan>& plan);

// The gradient of each input (of `shapes`, in that input's layout) from the output's `d`.
std::vector<Tensor> blocked_concat_channels_backward(const ConcatPlan& p,
                                                     const std::vector<Shape>& shapes,
                                                     const Tensor& d);

}  // namespace tenet::kernels
