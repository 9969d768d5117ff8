#pragma once
// The autograd graph. Every differentiable op returns a tensor whose grad_fn is a GradNode:
// the op's inputs and a closure mapping the output gradient to one gradient per input.
// backward() orders the nodes with one topological sort and runs the closures in reverse.
// Broadcast gradients are reduced to each input's shape here, in one place (reduce_to_shape),
// so ops may return gradients in the broadcast (output) shape.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace tenet {

struct TensorImpl {
  Shape shape;
  DType dtype = DType::f32;
  std::shared_ptr<std::byte> storage;  // 64-byte aligned, numel * dtype_size bytes
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<GradNode> grad_fn;
};

// Gradient of each input from the gradient of the output; an undefined Tensor means "none".
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& dout)>;

struct GradNode {
  std::string op;               // "add", "conv2d_1": named in numerics errors
  std::vector<Tensor> inputs;   // the op's inputs, in order
  BackwardFn backward;
  std::shared_ptr<const Site> layer;  // the layer whose call created this node, if any
};

// The layer being called on this thread (set by LayerImpl::call): nodes created meanwhile
// remember it, so numerics errors name the layer and the user's line that created it.
class CurrentLayerScope {
 public:
  explicit CurrentLayerScope(std::shared_ptr<const Site> layer);
  ~CurrentLayerScope();
  CurrentLayerScope(const CurrentLayerScope&) = delete;
  CurrentLayerScope& operator=(const CurrentLayerScope&) = delete;

 private:
  std::shared_ptr<const Site> previous_;
};

Tensor make_tensor(std::shared_ptr<TensorImpl> impl);

// Attaches a GradNode to `out` when grad mode is on and any input requires a gradient.
// Returns `out` for convenience. Ops call this once, after computing the forward value.
Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward);

// True when any of the tensors requires a gradient and grad mode is enabled.
bool needs_grad(const std::vector<Tensor>& inputs);

// Sums `grad` over broadcast axes so that it has `target` shape.
Tensor reduce_to_shape(const Tensor& grad, const Shape& target);

bool grad_enabled();

// Disables graph recording in a scope (inference, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Numerics checking (numerics.nonfinite): when on, every op output and every gradient the
// engine computes is scanned for NaN/Inf and the first offender raises a ContractError.
void set_check_numerics(bool on);
bool check_numerics();
// Scans `t` and raises numerics.nonfinite naming `op` and `what` ("output"/"gradient").
// `inputs` (the op's inputs, for outputs) let the message say where the values came from;
// `layer` is the layer whose call ran the op.
void check_finite(const Tensor& t, const std::string& op, const std::string& what,
                  const std::vector<Tensor>& inputs = {},
                  const std::shared_ptr<const Site>& layer = nullptr);
// Where the running computation is ("training step 3 (epoch 1, batch 2)"), named by
// numerics.nonfinite; Model::fit sets it per step (thread-local, empty outside fit).
void set_numerics_step(std::string where);

}  // namespace tenet
