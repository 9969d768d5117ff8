#include "core/autograd.hpp"

#include <unordered_map>
#include <unordered_set>

#include "core/checks.hpp"
#include "core/numerics.hpp"
#include "core/ops.hpp"

namespace tenet {

namespace {
thread_local bool g_grad_enabled = true;
thread_local bool g_check_numerics = false;
thread_local std::shared_ptr<const Site> g_current_layer;
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

NumericsScope::NumericsScope(bool on) : previous_(g_check_numerics) { g_check_numerics = on; }
NumericsScope::~NumericsScope() { g_check_numerics = previous_; }
bool check_numerics() { return g_check_numerics; }

CurrentLayerScope::CurrentLayerScope(std::shared_ptr<const Site> layer)
    : previous_(std::move(g_current_layer)) {
  g_current_layer = std::move(layer);
}
CurrentLayerScope::~CurrentLayerScope() { g_current_layer = std::move(previous_); }

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward) {
  if (g_check_numerics) numerics::check_op(out, op, "output", inputs, g_current_layer);
  if (!needs_grad(inputs)) return out;
  auto node = std::make_shared<GradNode>();
  node->layer = g_current_layer;
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
      if (g_check_numerics) numerics::check_op(gi, node->op, "gradient", {}, node->layer);
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
