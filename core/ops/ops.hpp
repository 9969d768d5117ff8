#pragma once
// Tensor operations. All float ops record autograd history; gradients are checked against
// finite differences in tests/test_core.cpp. Binary ops broadcast like NumPy.
#include <concepts>
#include <source_location>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// Sums `grad` over broadcast axes so that it has `target` shape (the backward pass does it for
// every op, in one place: core/ops/backward.cpp).
Tensor reduce_to_shape(const Tensor& grad, const Shape& target);

// The right operand of a + b, a - b, a * b, a / b between tensors. An operator cannot take a
// defaulted std::source_location after its operands, so the conversion from Tensor records it:
// its default argument is evaluated where the expression is written, and a contract error
// names that line ("'add' (op) called at train.cpp:40"). Users never name this type.
struct Operand {
  Operand(const Tensor& t,  // NOLINT: implicit, the point of the type
          std::source_location where = std::source_location::current())
      : tensor(t), loc(where) {}
  const Tensor& tensor;
  std::source_location loc;
};

// ---- element-wise (broadcasting; contract elementwise.shape) ----
Tensor operator+(const Tensor& a, Operand b);
Tensor operator-(const Tensor& a, Operand b);
Tensor operator*(const Tensor& a, Operand b);
Tensor operator/(const Tensor& a, Operand b);
// A scalar operand. A floating one (0.5, 255.0, 1.0f) makes an integer tensor float32 first, as
// in PyTorch: uint8 pixels / 255.0 are 0.78 (not 200 / 255 = 0), u8 * 0.5 is 100, 1.0 - u8 is
// negative. An integral one (2, n) keeps the tensor's dtype: int32 * 2 stays int32, and
// int32 / 2 divides as integers (toward zero). A float tensor takes either as its own dtype.
Tensor operator+(const Tensor& a, double s);
Tensor operator-(const Tensor& a, double s);
Tensor operator*(const Tensor& a, double s);
Tensor operator/(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(double s, const Tensor& a);
Tensor operator-(const Tensor& a);
namespace detail {
enum class ScalarOp { add, sub, mul, div };
// `a op s`, or `s op a` when `scalar_left`, for an integral scalar s (kept as a's dtype).
Tensor integral_scalar(const Tensor& a, double s, ScalarOp op, bool scalar_left);
}  // namespace detail
template <std::integral I> Tensor operator+(const Tensor& a, I s) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::add, false);
}
template <std::integral I> Tensor operator-(const Tensor& a, I s) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::sub, false);
}
template <std::integral I> Tensor operator*(const Tensor& a, I s) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::mul, false);
}
template <std::integral I> Tensor operator/(const Tensor& a, I s) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::div, false);
}
template <std::integral I> Tensor operator+(I s, const Tensor& a) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::add, true);
}
template <std::integral I> Tensor operator-(I s, const Tensor& a) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::sub, true);
}
template <std::integral I> Tensor operator*(I s, const Tensor& a) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::mul, true);
}
template <std::integral I> Tensor operator/(I s, const Tensor& a) {
  return detail::integral_scalar(a, static_cast<double>(s), detail::ScalarOp::div, true);
}
Tensor add(const Tensor& a, const Tensor& b,
           std::source_location loc = std::source_location::current());
Tensor multiply(const Tensor& a, const Tensor& b,
                std::source_location loc = std::source_location::current());

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor square(const Tensor& x);
Tensor clip(const Tensor& x, double low, double high);  // gradient passes inside the range
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// ---- linear algebra ----
// (M, K) x (K, N) -> (M, N); also (B, M, K) x (B, K, N). Contract: matmul.shape.
Tensor matmul(const Tensor& a, const Tensor& b,
              std::source_location loc = std::source_location::current());

// ---- shape ----
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor expand_dims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, int axis);
Tensor transpose(const Tensor& x, const std::vector<int>& perm);
Tensor transpose(const Tensor& x);  // reverses the axes
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop);
// Rows of `x` along axis 0 at the given indices (used for shuffling and batching).
Tensor take_rows(const Tensor& x, const std::vector<std::int64_t>& rows);
Tensor concat(const std::vector<Tensor>& xs, int axis = -1,
              std::source_location loc = std::source_location::current());
Tensor stack(const std::vector<Tensor>& xs, int axis = 0,
             std::source_location loc = std::source_location::current());

// ---- comparison (contract compare.shape, naming the call and its line) ----
Tensor equal(const Tensor& a, const Tensor& b,  // uint8 mask
             std::source_location loc = std::source_location::current());
// rtol and atol finite and >= 0 (options.invalid otherwise).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
              std::source_location loc = std::source_location::current());
bool array_equal(const Tensor& a, const Tensor& b,  // same shape, dtype and bits
                 std::source_location loc = std::source_location::current());
double max_abs_diff(const Tensor& a, const Tensor& b,
                    std::source_location loc = std::source_location::current());

}  // namespace tenet
