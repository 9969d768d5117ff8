// Shape ops: reshape, expand_dims, squeeze, transpose, slice, take_rows, concat, stack.
#include <cstring>
#include <numeric>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/op_checks.hpp"
#include "core/kernels/concat.hpp"
#include "core/kernels/context.hpp"
#include "core/kernels/layout.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

Tensor Tensor::reshape(const Shape& s) const { return tenet::reshape(*this, s); }

Tensor reshape(const Tensor& x, const Shape& target) {
  checks::defined(x, "the input of reshape", Site("reshape", "op"));
  // One -1 may stand for "the rest", like NumPy.
  Shape to = target;
  int infer = -1;
  std::int64_t known = 1;  // the sizes beside the first -1, multiplied with overflow checks
  for (int i = 0; i < to.rank(); ++i) {
    if (to[i] == -1 && infer < 0) infer = i;
    else if (__builtin_mul_overflow(known, to[i], &known))
      checks::checked_known_numel(target, Site("reshape", "op"), Phase::run, x.dtype());
  }
  if (infer >= 0 && known > 0 && x.numel() % known == 0) to[infer] = x.numel() / known;
  for (int i = 0; i < to.rank(); ++i)  // a second -1, another negative size, or -1 beside a 0
    if (to[i] < 0)
      checks::reshape_target(x.shape(), target, i, infer, known);
  checks::check_reshape(x.shape(), to, Site("reshape", "op"));
  (void)x.raw_data();  // a view's element order is row-major: convert a blocked layout first
  Tensor out = x.detach();
  impl_of(out)->shape = to;
  if (!attach_grad_active()) return out;  // predict: no closure (three allocations) to build
  Shape from = x.shape();
  return attach_grad(out, "reshape", {x}, [from](const Tensor& d) {
    return std::vector<Tensor>{d.reshape(from)};
  });
}

Tensor expand_dims(const Tensor& x, int axis) {
  checks::defined(x, "the input of expand_dims", Site("expand_dims", "op"));
  int r = x.rank() + 1;
  int ax = checks::check_axis(axis, r, "reshape.axis", Site("expand_dims", "op"), Phase::run, true);
  return reshape(x, x.shape().inserted(ax, 1));
}

Tensor squeeze(const Tensor& x, int axis) {
  checks::defined(x, "the input of squeeze", Site("squeeze", "op"));
  int ax = checks::check_axis(axis, x.rank(), "reshape.axis", Site("squeeze", "op"), Phase::run);
  checks::check_squeeze(x.shape(), ax);
  return reshape(x, x.shape().removed(ax));
}

Tensor transpose(const Tensor& x, const std::vector<int>& perm) {
  checks::defined(x, "the input of transpose", Site("transpose", "op"));
  const Shape& s = x.shape();
  const int r = s.rank();
  checks::check_permutation(perm, r, Site("transpose", "op"));
  std::vector<std::int64_t> od(static_cast<std::size_t>(r));
  for (int i = 0; i < r; ++i) od[i] = s[perm[i]];
  Tensor out = Tensor::empty(Shape(od), x.dtype());
  std::vector<std::int64_t> in_stride(static_cast<std::size_t>(r), 1);
  for (int i = r - 2; i >= 0; --i) in_stride[i] = in_stride[i + 1] * s[i + 1];
  const std::size_t es = dtype_size(x.dtype());
  const auto* src = static_cast<const std::byte*>(x.raw_data());
  auto* dst = static_cast<std::byte*>(out.raw_data());
  std::vector<std::int64_t> idx(static_cast<std::size_t>(r), 0);
  for (std::int64_t o = 0, n = out.numel(); o < n; ++o) {
    std::int64_t off = 0;
    for (int i = 0; i < r; ++i) off += idx[i] * in_stride[perm[i]];
    std::memcpy(dst + o * es, src + off * es, es);
    for (int d = r - 1; d >= 0; --d) {
      if (++idx[d] < od[d]) break;
      idx[d] = 0;
    }
  }
  std::vector<int> inv(static_cast<std::size_t>(r));
  for (int i = 0; i < r; ++i) inv[perm[i]] = i;
  return attach_grad(out, "transpose", {x}, [inv](const Tensor& d) {
    return std::vector<Tensor>{transpose(d, inv)};
  });
}

Tensor transpose(const Tensor& x) {
  checks::defined(x, "the input of transpose", Site("transpose", "op"));
  std::vector<int> perm(static_cast<std::size_t>(x.rank()));
  std::iota(perm.rbegin(), perm.rend(), 0);
  return transpose(x, perm);
}

// Copies blocks along `axis`: the shared core of slice, concat and their gradients.
static void copy_block(const Tensor& src, std::int64_t src_start, Tensor& dst,
                       std::int64_t dst_start, std::int64_t count, int axis) {
  std::int64_t outer = 1, inner = dtype_size(src.dtype());
  for (int i = 0; i < axis; ++i) outer *= src.shape()[i];
  for (int i = axis + 1; i < src.rank(); ++i) inner *= src.shape()[i];
  const auto* s = static_cast<const std::byte*>(src.raw_data());
  auto* d = static_cast<std::byte*>(dst.raw_data());
  const std::int64_t sn = src.shape()[axis], dn = dst.shape()[axis];
  for (std::int64_t o = 0; o < outer; ++o)
    std::memcpy(d + (o * dn + dst_start) * inner, s + (o * sn + src_start) * inner,
                static_cast<std::size_t>(count * inner));
}

Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop) {
  checks::defined(x, "the input of slice", Site("slice", "op"));
  int ax = checks::check_axis(axis, x.rank(), "slice.range", Site("slice", "op"), Phase::run);
  const std::int64_t n = x.shape()[ax];
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  stop = std::clamp<std::int64_t>(stop, start, n);
  Tensor out = Tensor::empty(x.shape().with(ax, stop - start), x.dtype());
  copy_block(x, start, out, 0, stop - start, ax);
  Shape full = x.shape();
  return attach_grad(out, "slice", {x}, [full, ax, start](const Tensor& d) {
    Tensor g = Tensor::zeros(full, d.dtype());
    copy_block(d, 0, g, start, d.shape()[ax], ax);
    return std::vector<Tensor>{g};
  });
}

Tensor take_rows(const Tensor& x, const std::vector<std::int64_t>& rows) {
  const Site site("take_rows", "op");
  checks::defined(x, "the input of take_rows", site);
  checks::check_rank(x.shape(), std::max(x.rank(), 1), "tensor.index", site, Phase::run,
                     "a tensor with a batch axis", "take_rows picks rows along axis 0, and " +
                     x.shape().str() + " is a scalar", "expand_dims(x, 0) first");
  const std::int64_t n = x.shape()[0];
  checks::check_rows(x.shape(), rows, site);
  const std::size_t row_bytes = x.numel() ? x.nbytes() / static_cast<std::size_t>(n) : 0;
  Tensor out = Tensor::empty(x.shape().with(0, static_cast<std::int64_t>(rows.size())), x.dtype());
  const auto* s = static_cast<const std::byte*>(x.raw_data());
  auto* d = static_cast<std::byte*>(out.raw_data());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(d + i * row_bytes, s + rows[i] * row_bytes, row_bytes);
  }
  return out;
}

// Channel concatenation of images in oneDNN layouts stays blocked (kernels/concat.hpp).
static Tensor concat_in_layout(const std::vector<Tensor>& xs, const Shape& out_shape) {
  std::vector<Shape> shapes;
  for (const Tensor& x : xs) shapes.push_back(x.shape());
  std::shared_ptr<const kernels::ConcatPlan> plan;
  Tensor out;
  kernels::guarded("concat", shapes,
                   [&] { out = kernels::blocked_concat_channels(xs, out_shape, plan); });
  return attach_grad(out, "concat", xs, [plan, shapes](const Tensor& d) {
    std::vector<Tensor> gs;
    kernels::guarded("concat backward", {d.shape()},
                     [&] { gs = kernels::blocked_concat_channels_backward(*plan, shapes, d); });
    return gs;
  });
}

// True when a channel concatenation can stay in oneDNN layouts: float32 images, one of them
// blocked.
static bool concat_stays_blocked(const std::vector<Tensor>& xs, int ax) {
  if (xs.empty() || xs[0].rank() != 4 || ax != 3) return false;
  bool any_blocked = false;
  for (const Tensor& x : xs) {
    if (x.dtype() != DType::f32 || x.numel() == 0) return false;
    any_blocked = any_blocked || kernels::is_blocked(x);
  }
  return any_blocked;
}

// Every tensor of a list argument (concat, stack) holds a value.
static void check_all_defined(const std::vector<Tensor>& xs, const Site& site) {
  for (std::size_t i = 0; i < xs.size(); ++i)
    checks::defined(xs[i], [&] { return "the " + checks::ordinal(i) + " tensor of " + site.name; }, site);
}

Tensor concat(const std::vector<Tensor>& xs, int axis, std::source_location loc) {
  Site site = Site::call("concat", "op", loc);
  check_all_defined(xs, site);
  std::vector<Shape> shapes;
  for (const auto& x : xs) shapes.push_back(x.shape());
  Shape out_shape = checks::concat_shape(shapes, axis, site, Phase::run);
  int ax = axis < 0 ? axis + xs[0].rank() : axis;
  DType t = xs[0].dtype();
  for (const auto& x : xs)
    checks::check_dtype(x.dtype(), t, "input.dtype", site, Phase::run,
                        "concatenated tensors must share one dtype",
                        "cast with astype before concatenating");
  if (concat_stays_blocked(xs, ax)) return concat_in_layout(xs, out_shape);
  Tensor out = Tensor::empty(out_shape, t);
  std::int64_t at = 0;
  std::vector<std::int64_t> sizes;
  for (const auto& x : xs) {
    copy_block(x, 0, out, at, x.shape()[ax], ax);
    at += x.shape()[ax];
    sizes.push_back(x.shape()[ax]);
  }
  return attach_grad(out, "concat", xs, [sizes, ax](const Tensor& d) {
    std::vector<Tensor> gs;
    std::int64_t at = 0;
    for (auto n : sizes) {
      Tensor g = Tensor::empty(d.shape().with(ax, n), d.dtype());
      copy_block(d, at, g, 0, n, ax);
      gs.push_back(g);
      at += n;
    }
    return gs;
  });
}

Tensor stack(const std::vector<Tensor>& xs, int axis, std::source_location loc) {
  Site site = Site::call("stack", "op", loc);
  checks::check_stack_count(xs.size(), site);
  check_all_defined(xs, site);
  std::vector<Shape> shapes;
  for (const auto& x : xs) shapes.push_back(x.shape());
  checks::check_stackable(shapes, site, Phase::run);
  int ax = checks::check_axis(axis, xs[0].rank() + 1, "concat.axis", site, Phase::run, true);
  std::vector<Tensor> expanded;
  for (const auto& x : xs) expanded.push_back(expand_dims(x, ax));
  return concat(expanded, ax, loc);
}

}  // namespace tenet
