#pragma once
// Tensor: an eager n-dimensional array with shared contiguous storage and autograd. Image
// tensors are channels-last (N, H, W, C) like Keras. Elements read through data<T>(),
// raw_data() and to_vector() are row-major; the storage itself may lie in a kernel's blocked
// layout between oneDNN layers (StorageLayout, core/tensor/storage.hpp) and is converted to
// row-major, once, on the first such read. The methods that compute (backward, reshape, sum,
// mean, max, argmax) are defined with the ops in core/ops; the tensor wing itself calls none.
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/error.hpp>
#include <tenet/core/base/shape.hpp>

namespace tenet {

struct GradNode;    // the autograd node that produced a tensor (opaque to users)
struct TensorImpl;  // a tensor's state: internal (core/tensor/tensor_impl.hpp)
namespace detail {
struct TensorAccess;
}

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (defined() is false)

  // ---- factories ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);  // uninitialised
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  static Tensor scalar(double value, DType dtype = DType::f32);  // shape ()
  static Tensor randn(const Shape& shape, std::uint64_t seed, double mean = 0.0,
                      double stddev = 1.0);
  static Tensor uniform(const Shape& shape, std::uint64_t seed, double low = 0.0,
                        double high = 1.0);
  static Tensor arange(std::int64_t n, DType dtype = DType::f32);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values) {
    return from_vector(values, Shape{static_cast<std::int64_t>(values.size())});
  }

  // ---- facts ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  DType dtype() const;
  int rank() const { return shape().rank(); }
  std::int64_t numel() const;
  std::int64_t dim(int axis) const { return shape().dim(axis); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }

  // ---- element access (the C++ type must match dtype(), else an internal error) ----
  // The mutable data<T>() and raw_data() may be written through at any later time, so tenet
  // treats the values as changed from then on: a layer keeps no converted copy of such a
  // tensor (Conv2D's kernel in oneDNN's layout is converted again on every call). Read through
  // a const Tensor (or to_vector) to keep that copy; change weights with set_weights.
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data();
  const void* raw_data() const;
  template <class T> std::vector<T> to_vector() const;
  double item() const;                                    // a one-element tensor, as double
  double at(const std::vector<std::int64_t>& index) const;  // any dtype, read as double
  std::string str(int max_items = 8) const;

  // ---- autograd ----
  Tensor& requires_grad(bool on);
  bool requires_grad() const;
  Tensor grad() const;             // undefined until backward reaches this tensor
  void set_grad(const Tensor& g);  // used by the engine and optimizers
  void zero_grad();
  // Back-propagates from this tensor (core/ops/backward.cpp). Without an argument it must hold
  // one element.
  void backward(const Tensor& dout = Tensor()) const;
  // The op that produced this tensor (opaque), null for a leaf or outside grad mode.
  const std::shared_ptr<GradNode>& grad_fn() const;
  Tensor detach() const;  // shares storage, no history
  Tensor clone() const;   // copies storage, no history

  // ---- shape and type (all differentiable where the dtype is floating) ----
  Tensor reshape(const Shape& shape) const;
  // Float to integer: an element the integer dtype cannot hold (NaN, 300 to uint8) raises
  // input.dtype instead of an undefined conversion.
  Tensor astype(DType dtype) const;
  Tensor sum() const;
  Tensor sum(int axis, bool keepdims = false) const;
  Tensor mean() const;
  Tensor mean(int axis, bool keepdims = false) const;
  Tensor max(int axis, bool keepdims = false) const;
  Tensor argmax(int axis) const;  // int64, not differentiable

  // Comparing tensors with == is ambiguous, so it does not compile (see compare.shape).
  template <class Other>
  friend bool operator==(const Tensor&, const Other&) {
    static_assert(sizeof(Other) == 0,
                  "tenet [compare.shape]: comparing tensors with == is ambiguous. Use "
                  "equal(a, b) for an element-wise mask, allclose(a, b, rtol, atol) for a "
                  "numeric check, or a.shape() == b.shape() to compare shapes (docs/errors.md, "
                  "compare.shape).");
    return false;
  }

  // True when both handles refer to the same tensor (copies of a handle share it).
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<TensorImpl> impl_;
  friend struct detail::TensorAccess;  // the engine's door (core/tensor/tensor_impl.hpp)
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Shape& s);

// ---------- template definitions ----------
void check_data_dtype(const Tensor& t, DType requested);

template <class T> T* Tensor::data() {
  check_data_dtype(*this, dtype_of_v<T>);
  return static_cast<T*>(raw_data());
}
template <class T> const T* Tensor::data() const {
  check_data_dtype(*this, dtype_of_v<T>);
  return static_cast<const T*>(raw_data());
}
template <class T> std::vector<T> Tensor::to_vector() const {
  const Tensor c = dtype() == dtype_of_v<T> ? *this : astype(dtype_of_v<T>);
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
Tensor from_raw(const void* values, std::size_t count, const Shape& shape, DType dtype);
template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  return from_raw(values.data(), values.size(), shape, dtype_of_v<T>);
}

}  // namespace tenet
