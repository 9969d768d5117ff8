// Element-wise ops with NumPy broadcasting, and their gradients.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/kernels/context.hpp"
#include "core/kernels/layout.hpp"
#include "core/kernels/relu.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

DType promote(DType a, DType b) {
  if (a == b) return a;
  auto rank_of = [](DType t) {
    switch (t) {
      case DType::u8: return 0;
      case DType::i32: return 1;
      case DType::i64: return 2;
      case DType::f32: return 3;
      case DType::f64: return 4;
    }
    return 0;
  };
  return rank_of(a) > rank_of(b) ? a : b;
}

// Strides of `s` aligned to an output of rank `r`, 0 on broadcast axes.
std::vector<std::int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  int r = out.rank();
  std::vector<std::int64_t> st(static_cast<std::size_t>(r), 0);
  std::int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    int o = i + (r - s.rank());
    st[o] = s[i] == 1 && out[o] != 1 ? 0 : acc;
    acc *= s[i];
  }
  return st;
}

template <class T, class Op>
void binary_kernel(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const std::int64_t n = out.numel();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    for (std::int64_t i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
    return;
  }
  if (b.numel() == 1 && a.shape() == out.shape()) {
    const T s = pb[0];
    for (std::int64_t i = 0; i < n; ++i) po[i] = op(pa[i], s);
    return;
  }
  if (a.numel() == 1 && b.shape() == out.shape()) {
    const T s = pa[0];
    for (std::int64_t i = 0; i < n; ++i) po[i] = op(s, pb[i]);
    return;
  }
  const Shape& os = out.shape();
  const int r = os.rank();
  auto sa = broadcast_strides(a.shape(), os), sb = broadcast_strides(b.shape(), os);
  if (n == 0) return;
  const std::int64_t inner = os[r - 1], ia = sa[r - 1], ib = sb[r - 1];
  std::vector<std::int64_t> idx(static_cast<std::size_t>(r), 0);
  std::int64_t offa = 0, offb = 0;
  for (std::int64_t base = 0; base < n; base += inner) {
    for (std::int64_t j = 0; j < inner; ++j) po[base + j] = op(pa[offa + j * ia], pb[offb + j * ib]);
    for (int d = r - 2; d >= 0; --d) {  // advance the outer counter
      ++idx[d];
      offa += sa[d];
      offb += sb[d];
      if (idx[d] < os[d]) break;
      offa -= sa[d] * os[d];
      offb -= sb[d] * os[d];
      idx[d] = 0;
    }
  }
}

enum class BinOp { add, sub, mul, div };

const char* symbol(BinOp op) {
  switch (op) {
    case BinOp::add: return "+";
    case BinOp::sub: return "-";
    case BinOp::mul: return "*";
    case BinOp::div: return "/";
  }
  return "?";
}

// Integer arithmetic wraps around like NumPy's (two's complement): computed in the unsigned
// type, since a signed overflow (int32 2^31 - 1 + 1) is undefined behaviour in C++.
template <class T, class Op>
T wrap(T x, T y, Op op) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(op(static_cast<U>(x), static_cast<U>(y))));
  } else {
    return T(op(x, y));
  }
}

// Integer division by 0 gives 0 (as NumPy, without its warning); the most negative value
// divided by -1 wraps to itself instead of trapping (SIGFPE on x86).
template <class T>
T divide(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    if (y == 0) return T(0);
    if constexpr (std::is_signed_v<T>)
      if (y == T(-1)) return wrap<T>(T(0), x, std::minus<>());
    return T(x / y);
  } else {
    return T(x / y);
  }
}

Tensor binary_value(const Tensor& a0, const Tensor& b0, BinOp op, const Site& site) {
  checks::defined(a0, [&] { return std::string("the left operand of ") + symbol(op); }, site);
  checks::defined(b0, [&] { return std::string("the right operand of ") + symbol(op); }, site);
  Shape out_shape = checks::broadcast_shapes(a0.shape(), b0.shape(), site, Phase::run);
  DType t = promote(a0.dtype(), b0.dtype());
  Tensor a = a0.dtype() == t ? a0 : a0.detach().astype(t);
  Tensor b = b0.dtype() == t ? b0 : b0.detach().astype(t);
  Tensor out = Tensor::empty(out_shape, t);
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case BinOp::add:
        binary_kernel<T>(a, b, out, [](T x, T y) { return wrap<T>(x, y, std::plus<>()); });
        break;
      case BinOp::sub:
        binary_kernel<T>(a, b, out, [](T x, T y) { return wrap<T>(x, y, std::minus<>()); });
        break;
      case BinOp::mul:
        binary_kernel<T>(a, b, out, [](T x, T y) { return wrap<T>(x, y, std::multiplies<>()); });
        break;
      case BinOp::div: binary_kernel<T>(a, b, out, [](T x, T y) { return divide<T>(x, y); }); break;
    }
  });
  return out;
}

Tensor binary(const Tensor& a, const Tensor& b, BinOp op, const Site& site) {
  Tensor out = binary_value(a, b, op, site);
  if (!is_floating(out.dtype())) return out;
  switch (op) {
    case BinOp::add:
      return attach_grad(out, site.name, {a, b}, [](const Tensor& d) {
        return std::vector<Tensor>{d, d};
      });
    case BinOp::sub:
      return attach_grad(out, site.name, {a, b}, [](const Tensor& d) {
        return std::vector<Tensor>{d, -d};
      });
    case BinOp::mul:
      return attach_grad(out, site.name, {a, b}, [a, b](const Tensor& d) {
        return std::vector<Tensor>{d * b.detach(), d * a.detach()};
      });
    case BinOp::div:
      return attach_grad(out, site.name, {a, b}, [a, b](const Tensor& d) {
        Tensor bd = b.detach();
        return std::vector<Tensor>{d / bd, -(d * a.detach()) / (bd * bd)};
      });
  }
  return out;
}

// A scalar operand of a's dtype; `a` is `side` ("left"/"right") operand of `op`.
Tensor scalar_like(const Tensor& a, double s, BinOp op, const char* side) {
  const Site site(op == BinOp::add ? "add" : op == BinOp::sub ? "subtract"
                  : op == BinOp::mul ? "multiply" : "divide", "op");
  checks::defined(a, [&] { return std::string("the ") + side + " operand of " + symbol(op); }, site);
  // A float32 operand takes a double beyond its range as the infinity it rounds to, as
  // PyTorch and NumPy do: x * 1e300 is +inf either way. Tensor::full refuses that value.
  if (a.dtype() == DType::f32 && !checks::fits_dtype(s, DType::f32))
    s = std::copysign(std::numeric_limits<double>::infinity(), s);
  return Tensor::scalar(s, a.dtype());
}

template <class F, class G>
Tensor unary(const Tensor& x, const char* name, F f, G grad) {
  checks::defined(x, [&] { return std::string("the input of ") + name; }, Site(name, "op"));
  checks::check_floating(x.dtype(), std::string(name) + " computes in floating point", Site(name, "op"));
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const std::int64_t n = x.numel();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* px = x.data<T>();
      T* po = out.data<T>();
      for (std::int64_t i = 0; i < n; ++i) po[i] = static_cast<T>(f(px[i]));
    }
  });
  // The closure keeps a history-free view of the output: capturing `out` itself would make
  // out's grad node own out, a reference cycle that leaked every step's whole graph.
  return attach_grad(out, name, {x}, [x, y = out.detach(), grad](const Tensor& d) {
    return std::vector<Tensor>{grad(d, x.detach(), y)};
  });
}

}  // namespace

Tensor operator+(const Tensor& a, Operand b) {
  return binary(a, b.tensor, BinOp::add, Site::call("add", "op", b.loc));
}
Tensor operator-(const Tensor& a, Operand b) {
  return binary(a, b.tensor, BinOp::sub, Site::call("subtract", "op", b.loc));
}
Tensor operator*(const Tensor& a, Operand b) {
  return binary(a, b.tensor, BinOp::mul, Site::call("multiply", "op", b.loc));
}
Tensor operator/(const Tensor& a, Operand b) {
  return binary(a, b.tensor, BinOp::div, Site::call("divide", "op", b.loc));
}
namespace {
// a op s (s op a when `scalar_left`). A floating scalar meets an integer tensor as float32.
Tensor with_scalar(const Tensor& a, double s, BinOp op, bool scalar_left, bool floating_scalar) {
  const char* side = scalar_left ? "right" : "left";
  const Tensor x = floating_scalar && a.defined() && !is_floating(a.dtype()) ? a.astype(DType::f32) : a;
  const Tensor c = scalar_like(x, s, op, side);
  const Tensor& l = scalar_left ? c : x;
  const Tensor& r = scalar_left ? x : c;
  switch (op) {
    case BinOp::add: return l + r;
    case BinOp::sub: return l - r;
    case BinOp::mul: return l * r;
    case BinOp::div: return l / r;
  }
  return l + r;
}
}  // namespace

Tensor operator+(const Tensor& a, double s) { return with_scalar(a, s, BinOp::add, false, true); }
Tensor operator-(const Tensor& a, double s) { return with_scalar(a, s, BinOp::sub, false, true); }
Tensor operator*(const Tensor& a, double s) { return with_scalar(a, s, BinOp::mul, false, true); }
Tensor operator/(const Tensor& a, double s) { return with_scalar(a, s, BinOp::div, false, true); }
Tensor operator+(double s, const Tensor& a) { return with_scalar(a, s, BinOp::add, true, true); }
Tensor operator-(double s, const Tensor& a) { return with_scalar(a, s, BinOp::sub, true, true); }
Tensor operator*(double s, const Tensor& a) { return with_scalar(a, s, BinOp::mul, true, true); }
Tensor operator/(double s, const Tensor& a) { return with_scalar(a, s, BinOp::div, true, true); }
Tensor operator-(const Tensor& a) { return with_scalar(a, 0.0, BinOp::sub, true, false); }
namespace detail {
static_assert(static_cast<int>(ScalarOp::div) == static_cast<int>(BinOp::div) &&
              static_cast<int>(ScalarOp::sub) == static_cast<int>(BinOp::sub));
Tensor integral_scalar(const Tensor& a, double s, ScalarOp op, bool scalar_left) {
  return with_scalar(a, s, static_cast<BinOp>(op), scalar_left, false);
}
}  // namespace detail

Tensor add(const Tensor& a, const Tensor& b, std::source_location loc) {
  return binary(a, b, BinOp::add, Site::call("add", "op", loc));
}
Tensor multiply(const Tensor& a, const Tensor& b, std::source_location loc) {
  return binary(a, b, BinOp::mul, Site::call("multiply", "op", loc));
}

Tensor exp(const Tensor& x) {
  return unary(x, "exp", [](auto v) { return std::exp(v); },
               [](const Tensor& d, const Tensor&, const Tensor& y) { return d * y; });
}
Tensor log(const Tensor& x) {
  return unary(x, "log", [](auto v) { return std::log(v); },
               [](const Tensor& d, const Tensor& x, const Tensor&) { return d / x; });
}
Tensor sqrt(const Tensor& x) {
  return unary(x, "sqrt", [](auto v) { return std::sqrt(v); },
               [](const Tensor& d, const Tensor&, const Tensor& y) { return d / (y * 2.0); });
}
Tensor square(const Tensor& x) {
  return unary(x, "square", [](auto v) { return v * v; },
               [](const Tensor& d, const Tensor& x, const Tensor&) { return d * x * 2.0; });
}
Tensor sigmoid(const Tensor& x) {
  return unary(x, "sigmoid", [](auto v) { return 1 / (1 + std::exp(-v)); },
               [](const Tensor& d, const Tensor&, const Tensor& y) { return d * y * (1.0 - y); });
}
Tensor tanh(const Tensor& x) {
  return unary(x, "tanh", [](auto v) { return std::tanh(v); },
               [](const Tensor& d, const Tensor&, const Tensor& y) { return d * (1.0 - y * y); });
}

// Multiplies d by a 0/1 mask computed from x (the shared shape of relu and clip gradients).
template <class Pred>
static Tensor masked(const Tensor& d, const Tensor& x, Pred keep) {
  Tensor out = Tensor::empty(d.shape(), d.dtype());
  visit_dtype(d.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pd = d.data<T>();
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const std::int64_t n = d.numel();  // hoisted: numel() multiplies the dims on every call
    // Both operands are loaded unconditionally so the select vectorises: a branch on the sign
    // of activations mispredicts about half the time.
    for (std::int64_t i = 0; i < n; ++i) {
      const T g = pd[i];
      po[i] = keep(px[i]) ? g : T(0);
    }
  });
  return out;
}

// ReLU on a blocked tensor (a Conv2D or BatchNorm output) stays in its layout (kernels/relu.hpp).
static Tensor relu_in_layout(const Tensor& x) {
  std::shared_ptr<const kernels::ReluPlan> plan;
  Tensor y;
  kernels::guarded("relu", {x.shape()}, [&] { y = kernels::blocked_relu(x, plan); });
  return attach_grad(y, "relu", {x}, [plan, saved = y.detach()](const Tensor& dout) {
    Tensor dx;
    kernels::guarded("relu backward", {dout.shape()},
                     [&] { dx = kernels::blocked_relu_backward(*plan, saved, dout); });
    return std::vector<Tensor>{dx};
  });
}

Tensor relu(const Tensor& x) {
  checks::defined(x, "the input of relu", Site("relu", "op"));
  if (kernels::is_blocked(x)) return relu_in_layout(x);
  return unary(x, "relu", [](auto v) { return v > 0 ? v : decltype(v)(0); },
               [](const Tensor& d, const Tensor& x, const Tensor&) {
                 return masked(d, x, [](auto v) { return v > 0; });
               });
}

Tensor clip(const Tensor& x, double low, double high) {
  return unary(x, "clip", [=](auto v) { return std::clamp(v, decltype(v)(low), decltype(v)(high)); },
               [=](const Tensor& d, const Tensor& x, const Tensor&) {
                 return masked(d, x, [=](auto v) { return v >= low && v <= high; });
               });
}

// The per-row maximum subtracted for stability; zeros for a tensor without elements, where
// max refuses an axis of size 0.
static Tensor shift_of(const Tensor& x, int axis) {
  return x.numel() == 0 ? x.detach().sum(axis, true) : x.detach().max(axis, true);
}

Tensor softmax(const Tensor& x, int axis) {
  checks::defined(x, "the input of softmax", Site("softmax", "op"));
  Tensor m = shift_of(x, axis);
  Tensor e = exp(x - m);
  return e / e.sum(axis, true);
}

Tensor log_softmax(const Tensor& x, int axis) {
  checks::defined(x, "the input of log_softmax", Site("log_softmax", "op"));
  Tensor m = shift_of(x, axis);
  Tensor shifted = x - m;
  return shifted - log(exp(shifted).sum(axis, true));
}

}  // namespace tenet
