// Reductions along an axis: sum, mean, max, argmax. A tensor is viewed as
// (outer, n, inner) around the reduced axis.
#include <cmath>
#include <limits>
#include <type_traits>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

struct Split {
  std::int64_t outer = 1, n = 1, inner = 1;
};

Split split_at(const Shape& s, int axis) {
  Split p;
  for (int i = 0; i < axis; ++i) p.outer *= s[i];
  p.n = s[axis];
  for (int i = axis + 1; i < s.rank(); ++i) p.inner *= s[i];
  return p;
}

Shape reduced_shape(const Shape& s, int axis, bool keepdims) {
  return keepdims ? s.with(axis, 1) : s.removed(axis);
}

// Repeats `g` (reduced shape) along `axis` to `full`: the gradient of sum.
Tensor expand_along(const Tensor& g, const Shape& full, int axis) {
  Tensor gk = g.reshape(full.with(axis, 1));
  return gk + Tensor::zeros(full, g.dtype());
}

// Sum of n contiguous values with eight independent partial sums (in double for floats): one
// running total is a serial chain of dependent additions, several times slower on long rows.
template <class T>
T sum_contiguous(const T* x, std::int64_t n) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  Acc acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += static_cast<Acc>(x[i + j]);
  for (; i < n; ++i) acc[0] += static_cast<Acc>(x[i]);
  return static_cast<T>(((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                        ((acc[4] + acc[5]) + (acc[6] + acc[7])));
}

// NaN wins max and argmax (the first NaN, as NumPy): `v > best` alone skipped a NaN unless it
// came first, so the answer depended on where the NaN stood.
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// The tensor a reduction is called on holds a value (options.invalid), and `axis` is one of
// its axes (reduce.axis); returns the axis counted from 0.
int reduce_axis(const Tensor& t, int axis, const char* name) {
  const Site site(name, "op");
  checks::defined(t, [&] { return std::string("the Tensor whose ") + name + "() was called"; }, site);
  return checks::check_axis(axis, t.rank(), "reduce.axis", site, Phase::run);
}

}  // namespace

Tensor Tensor::sum(int axis, bool keepdims) const {
  int ax = reduce_axis(*this, axis, "sum");
  Split p = split_at(shape(), ax);
  DType t = is_floating(dtype()) ? dtype() : DType::i64;
  Tensor src = dtype() == t ? *this : detach().astype(t);
  Tensor out = Tensor::zeros(reduced_shape(shape(), ax, keepdims), t);
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    const T* x = src.data<T>();
    T* o = out.data<T>();
    if (p.inner == 1) {  // reducing contiguous rows (the last axis, or everything)
      for (std::int64_t a = 0; a < p.outer; ++a) o[a] = sum_contiguous(x + a * p.n, p.n);
      return;
    }
    for (std::int64_t a = 0; a < p.outer; ++a)
      for (std::int64_t k = 0; k < p.n; ++k) {
        const T* row = x + (a * p.n + k) * p.inner;
        T* dst = o + a * p.inner;
        for (std::int64_t i = 0; i < p.inner; ++i) dst[i] += row[i];
      }
  });
  Shape full = shape();
  return attach_grad(out, "sum", {*this}, [full, ax](const Tensor& d) {
    return std::vector<Tensor>{expand_along(d, full, ax)};
  });
}

Tensor Tensor::sum() const {
  checks::defined(*this, "the Tensor whose sum() was called", Site("sum", "op"));
  if (rank() == 0) return *this;
  return reshape(Shape{numel()}).sum(0, false);
}

Tensor Tensor::mean(int axis, bool keepdims) const {
  int ax = reduce_axis(*this, axis, "mean");
  Tensor s = sum(ax, keepdims);
  // Divided by a double: an integer tensor's mean is float32, as NumPy's is float (3.5, not 3).
  // The mean of no element stays 0 (a loss over an empty batch is 0).
  return s / static_cast<double>(std::max<std::int64_t>(shape()[ax], 1));
}

Tensor Tensor::mean() const {
  checks::defined(*this, "the Tensor whose mean() was called", Site("mean", "op"));
  return sum() / static_cast<double>(std::max<std::int64_t>(numel(), 1));
}

Tensor Tensor::max(int axis, bool keepdims) const {
  int ax = reduce_axis(*this, axis, "max");
  checks::check_nonempty_axis(shape(), ax, "max", Site("max", "op"), Phase::run);
  Split p = split_at(shape(), ax);
  Tensor out = Tensor::empty(reduced_shape(shape(), ax, keepdims), dtype());
  Tensor arg = Tensor::empty(Shape{p.outer, p.inner}, DType::i64);
  auto* ai = arg.data<std::int64_t>();
  visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<T>();
    T* o = out.data<T>();
    for (std::int64_t a = 0; a < p.outer; ++a)
      for (std::int64_t i = 0; i < p.inner; ++i) {
        T best = std::numeric_limits<T>::lowest();
        std::int64_t bi = 0;
        for (std::int64_t k = 0; k < p.n; ++k) {
          T v = x[(a * p.n + k) * p.inner + i];
          if (k == 0 || v > best || (is_nan(v) && !is_nan(best))) { best = v; bi = k; }
        }
        o[a * p.inner + i] = best;
        ai[a * p.inner + i] = bi;
      }
  });
  if (!is_floating(dtype())) return out;
  Shape full = shape();
  return attach_grad(out, "max", {*this}, [full, p, arg](const Tensor& d) {
    Tensor g = Tensor::zeros(full, d.dtype());
    visit_dtype(d.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pd = d.data<T>();
      T* pg = g.data<T>();
      const auto* ai = arg.data<std::int64_t>();
      for (std::int64_t a = 0; a < p.outer; ++a)
        for (std::int64_t i = 0; i < p.inner; ++i)
          pg[(a * p.n + ai[a * p.inner + i]) * p.inner + i] = pd[a * p.inner + i];
    });
    return std::vector<Tensor>{g};
  });
}

Tensor Tensor::argmax(int axis) const {
  int ax = reduce_axis(*this, axis, "argmax");
  checks::check_nonempty_axis(shape(), ax, "argmax", Site("argmax", "op"), Phase::run);
  Split p = split_at(shape(), ax);
  Tensor out = Tensor::empty(shape().removed(ax), DType::i64);
  auto* o = out.data<std::int64_t>();
  visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<T>();
    for (std::int64_t a = 0; a < p.outer; ++a)
      for (std::int64_t i = 0; i < p.inner; ++i) {
        std::int64_t bi = 0;
        for (std::int64_t k = 1; k < p.n && !is_nan(x[(a * p.n + bi) * p.inner + i]); ++k) {
          const T v = x[(a * p.n + k) * p.inner + i];
          if (v > x[(a * p.n + bi) * p.inner + i] || is_nan(v)) bi = k;
        }
        o[a * p.inner + i] = bi;
      }
  });
  return out;
}

}  // namespace tenet
