#pragma once
// The autograd graph. Every differentiable op returns a tensor whose grad_fn is a GradNode:
// the op's inputs and a closure mapping the output gradient to one gradient per input.
// backward() (core/ops/backward.cpp) orders the nodes with one topological sort and runs the
// closures in reverse. Broadcast gradients are reduced to each input's shape there, in one place
// (reduce_to_shape), so ops may return gradients in the broadcast (output) shape. The node
// itself (GradNode) and the tensor's storage are the engine's (core/tensor/tensor_impl.hpp,
// internal); a user's op records its backward with attach_grad.
#include <functional>
#include <string>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Gradient of each input from the gradient of the output; an undefined Tensor means "none".
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& dout)>;

// Attaches a GradNode to `out` when grad mode is on and any input requires a gradient.
// Returns `out` for convenience. Ops call this once, after computing the forward value.
Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward);

// True when any of the tensors requires a gradient and grad mode is enabled.
bool needs_grad(const std::vector<Tensor>& inputs);

bool grad_enabled();

// False when attach_grad would do nothing on this thread whatever its inputs (grad mode off and
// numerics checking off, as in predict): an op may then skip building its backward closure,
// whose captures and strings are most of an op's own cost on a single image.
bool attach_grad_active();

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

// Numerics checking (numerics.nonfinite) is a property of the running call on this thread,
// never of the process: fit / evaluate turn it on from their options (check_numerics) for
// their own duration; around eager code (layer calls, ops, train_on_batch) a NumericsScope
// turns it on until the scope ends. Another thread's checking never changes this one's.
// While on, the model's input batches, every variable at the start of a call, every layer's
// inputs, every op output and gradient, the optimizer's update and BatchNorm's batch
// statistics are scanned, and the first NaN/Inf raises a ContractError naming where it was
// found. Off, nothing is scanned. On or off, results are bitwise identical: checking only reads.
class NumericsScope {
 public:
  explicit NumericsScope(bool on = true);
  ~NumericsScope();
  NumericsScope(const NumericsScope&) = delete;
  NumericsScope& operator=(const NumericsScope&) = delete;

 private:
  bool previous_;
};
// Whether checking is on for the running call on this thread.
bool check_numerics();

}  // namespace tenet
