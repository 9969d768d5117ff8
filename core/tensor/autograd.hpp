#pragma once
// The autograd graph. Every differentiable op returns a tensor whose grad_fn is a GradNode:
// the op's inputs and a closure mapping the output gradient to one gradient per input.
// backward() (core/ops/backward.cpp) orders the nodes with one topological sort and runs the
// closures in reverse. Broadcast gradients are reduced to each input's shape there, in one place
// (reduce_to_shape), so ops may return gradients in the broadcast (output) shape.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

class SharedLayout;  // how the storage lies when not row-major (core/tensor/storage.hpp)

struct TensorImpl {
  Shape shape;
  DType dtype = DType::f32;
  // 64-byte aligned; numel * dtype_size bytes, or layout->bytes() when a layout is set.
  std::shared_ptr<std::byte> storage;
  std::shared_ptr<SharedLayout> layout;  // null: row-major from the start
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
  // `phase`: build while the layer creates its weights for a symbolic call, else run.
  explicit CurrentLayerScope(std::shared_ptr<const Site> layer, Phase phase = Phase::run);
  ~CurrentLayerScope();
  CurrentLayerScope(const CurrentLayerScope&) = delete;
  CurrentLayerScope& operator=(const CurrentLayerScope&) = delete;

 private:
  std::shared_ptr<const Site> previous_;
  Phase previous_phase_;
};

// The layer being called or built on this thread, or null (names the layer in size errors).
const std::shared_ptr<const Site>& current_layer_site();
Phase current_layer_phase();  // run outside a layer

Tensor make_tensor(std::shared_ptr<TensorImpl> impl);

// True when no other tensor shares t's object or storage: a backward closure may then write
// into its output gradient (the engine hands each gradient over and keeps no copy).
bool exclusively_owned(const Tensor& t);
// The storage as it lies, without converting a blocked layout (for the kernels that share it).
void* stored_bytes(const Tensor& t);

// Attaches a GradNode to `out` when grad mode is on and any input requires a gradient.
// Returns `out` for convenience. Ops call this once, after computing the forward value.
Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward);

// True when any of the tensors requires a gradient and grad mode is enabled.
bool needs_grad(const std::vector<Tensor>& inputs);

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
