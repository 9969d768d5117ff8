#include "core/autograd.hpp"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/checks.hpp"
#include "core/ops.hpp"

namespace tenet {

namespace {
thread_local bool g_grad_enabled = true;
bool g_check_numerics = false;
thread_local std::string g_numerics_step;
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

void set_check_numerics(bool on) { g_check_numerics = on; }
bool check_numerics() { return g_check_numerics; }
void set_numerics_step(std::string where) { g_numerics_step = std::move(where); }

void check_finite(const Tensor& t, const std::string& op, const std::string& what) {
  if (!t.defined() || !is_floating(t.dtype())) return;
  std::int64_t n = t.numel(), nan = 0, inf = 0, first = -1;
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* p = t.data<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        if (std::isnan(p[i])) ++nan;
        else if (std::isinf(p[i])) ++inf;
        else continue;
        if (first < 0) first = i;
      }
    }
  });
  if (nan + inf == 0) return;
  checks::Violation("numerics.nonfinite", Phase::run, Site(op, "op"))
      .summary("the " + what + " of " + op + " holds non-finite values" +
               (g_numerics_step.empty() ? std::string() : " at " + g_numerics_step))
      .expected("finite values")
      .actual(std::to_string(nan) + " NaN and " + std::to_string(inf) + " Inf among " +
              std::to_string(n) + " values of " + t.shape().str() + ", first at flat index " +
              std::to_string(first))
      .cause(what == "gradient"
                 ? "gradients overflowed: often a learning rate that is too high"
                 : "this op produced NaN/Inf from finite inputs (log of 0, overflow in exp, "
                   "division by zero) or received them from the data")
      .fix("lower the learning rate, scale the inputs to [0, 1], or use from_logits losses")
      .raise();
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward) {
  if (g_check_numerics) check_finite(out, op, "output");
  if (!needs_grad(inputs)) return out;
  auto node = std::make_shared<GradNode>();
  node->op = std::move(op);
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  TensorImpl* impl = out.impl();
  impl->requires_grad = true;
  impl->grad_fn = std::move(node);
  return out;
}

Tensor reduce_to_shape(const Tensor& grad, const Shape& target) {
  if (grad.shape() == target) return grad;
  Tensor g = grad;
  // Sum away leading axes that broadcasting added.
  while (g.rank() > target.rank()) g = g.sum(0, false);
  // Sum (keeping the axis) where the target had size 1.
  for (int i = 0; i < target.rank(); ++i)
    if (target[i] == 1 && g.shape()[i] != 1) g = g.sum(i, true);
  if (!(g.shape() == target))
    internal_error("cannot reduce gradient " + grad.shape().str() + " to " + target.str());
  return g;
}

// Reverse topological order of the tensors that carry a grad_fn, reachable from `root`.
static std::vector<Tensor> topo_order(const Tensor& root) {
  std::vector<Tensor> order;
  std::unordered_set<TensorImpl*> visited;
  // Iterative DFS: (tensor, next input index to visit).
  std::vector<std::pair<Tensor, std::size_t>> stack;
  stack.emplace_back(root, 0);
  visited.insert(root.impl());
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    const auto& node = t.grad_fn();
    if (node && next < node->inputs.size()) {
      Tensor in = node->inputs[next++];
      if (in.defined() && in.grad_fn() && visited.insert(in.impl()).second)
        stack.emplace_back(in, 0);
      continue;
    }
    order.push_back(t);
    stack.pop_back();
  }
  return {order.rbegin(), order.rend()};
}

static Tensor accumulate(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  NoGradGuard no_grad;
  return a + b;
}

void Tensor::backward(const Tensor& dout) const {
  Tensor seed = dout;
  if (!seed.defined()) {
    if (numel() != 1)
      checks::Violation("autograd.backward", Phase::run, Site("backward", "op"))
          .summary("backward() without a gradient needs a one-element tensor")
          .expected("1 element")
          .actual(shape())
          .fix("call backward on a scalar (e.g. loss.mean()), or pass the output gradient")
          .raise();
    seed = Tensor::ones(shape(), dtype());
  }
  if (!requires_grad()) return;
  NoGradGuard no_grad;  // gradients themselves are not differentiated
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[impl()] = seed;
  for (const Tensor& t : topo_order(*this)) {
    Tensor g = grads[t.impl()];
    grads.erase(t.impl());
    const auto& node = t.grad_fn();
    if (!node || !g.defined()) continue;
    std::vector<Tensor> in_grads = node->backward(g);
    for (std::size_t i = 0; i < node->inputs.size() && i < in_grads.size(); ++i) {
      const Tensor& in = node->inputs[i];
      if (!in.defined() || !in.requires_grad() || !in_grads[i].defined()) continue;
      Tensor gi = reduce_to_shape(in_grads[i], in.shape());
      if (gi.dtype() != in.dtype()) gi = gi.astype(in.dtype());
      if (g_check_numerics) check_finite(gi, node->op, "gradient");
      if (in.grad_fn()) {
        grads[in.impl()] = accumulate(grads[in.impl()], gi);
      } else {  // a leaf: accumulate into .grad()
        Tensor leaf = in;
        leaf.set_grad(accumulate(in.grad(), gi));
      }
    }
  }
}

}  // namespace tenet
