#pragma once
// The engine's side of a Tensor: what a tensor holds (TensorImpl; how its storage may lie is
// core/tensor/storage.hpp), the autograd node (GradNode), the layer being called on this thread, and the
// one door into a Tensor's private state (detail::TensorAccess). Internal: not installed, never
// included by a public header; the engine, the kernels and the layers sharing storage include it
// as "core/tensor/tensor_impl.hpp".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/tensor/autograd.hpp>

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

// A new TensorImpl with every field at its default: its memory (with the shared_ptr's control
// block) comes from a per-thread list of freed ones, so a single-image predict's tensors cost
// no heap allocation each.
std::shared_ptr<TensorImpl> new_tensor_impl();

// One node of the autograd graph (Tensor::grad_fn()), created by attach_grad.
struct GradNode {
  std::string op;               // "add", "conv2d_1": named in numerics errors
  std::vector<Tensor> inputs;   // the op's inputs, in order
  BackwardFn backward;
  std::shared_ptr<const Site> layer;  // the layer whose call created this node, if any
  // Releases the graph above it in a loop: a chain of 200,000 ops (a running total kept with
  // gradients) released node by node, each from the one before, overflowed the stack.
  ~GradNode();
};

namespace detail {
// The only friend of Tensor: the engine reaches a tensor's state through it, users cannot.
struct TensorAccess {
  static TensorImpl* impl(const Tensor& t) { return t.impl_.get(); }
  static const std::shared_ptr<TensorImpl>& shared(const Tensor& t) { return t.impl_; }
  static Tensor make(std::shared_ptr<TensorImpl> impl) { return Tensor(std::move(impl)); }
};
}  // namespace detail

// Identity of the underlying tensor (graph bookkeeping); null for an undefined Tensor.
inline TensorImpl* impl_of(const Tensor& t) { return detail::TensorAccess::impl(t); }
inline Tensor make_tensor(std::shared_ptr<TensorImpl> impl) {
  return detail::TensorAccess::make(std::move(impl));
}

// True when no other tensor shares t's object or storage: a backward closure may then write
// into its output gradient (the engine hands each gradient over and keeps no copy).
bool exclusively_owned(const Tensor& t);
// True when t's storage lies row-major (never blocked, or converted already) and t needs no
// gradient: a batch may then be t itself instead of a copy of its rows (ArrayReader).
bool reads_as_is(const Tensor& t);
// True when a and b are views of one storage block (detach, reshape).
inline bool shares_storage(const Tensor& a, const Tensor& b) {
  return impl_of(a)->storage == impl_of(b)->storage;
}
// The storage as it lies, without converting a blocked layout (for the kernels that share it).
// Writing through it does not renew the version: only fresh outputs are written so.
void* stored_bytes(const Tensor& t);
// The version of t's values, shared by every view of its storage: a number no other contents of
// any tensor ever had, renewed by every write path to existing values. 0 (never trusted) once the
// public mutable raw_data() or data<T>() handed a pointer out: the user may write through it at
// any later time. A cache of converted values (Conv2D's blocked kernel) keyed by a version
// other than 0 is never stale.
std::uint64_t storage_version(const Tensor& t);
// The row-major bytes of t for the engine's own writes to existing values (optimizer updates,
// set_weights, restoring saved weights): renews the version, and the pointer does not escape.
void* written_bytes(const Tensor& t);
template <class T>
T* written_data(const Tensor& t) {
  check_data_dtype(t, dtype_of_v<T>);
  return static_cast<T*>(written_bytes(t));
}

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

}  // namespace tenet
