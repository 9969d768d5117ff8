// The backward pass (Tensor::backward): one iterative topological sort over the nodes that
// attach_grad recorded (core/tensor/autograd.hpp), the closures run in reverse, gradients summed
// where a tensor feeds several ops and reduced to each input's shape where broadcasting made them
// larger. It lives in ops because summing and reducing gradients are ops; the tensor wing below
// only records the graph.
#include <unordered_map>
#include <unordered_set>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/op_checks.hpp"
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "core/tensor/tensor_impl.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

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
  visited.insert(impl_of(root));
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    const auto& node = t.grad_fn();
    if (node && next < node->inputs.size()) {
      Tensor in = node->inputs[next++];
      if (in.defined() && in.grad_fn() && visited.insert(impl_of(in)).second)
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
  checks::defined(*this, "the Tensor whose backward() was called", Site("backward", "op"));
  Tensor seed = dout;
  const Shape seed_shape = seed.defined() ? seed.shape() : Shape();
  checks::check_backward_seed(shape(), seed.defined() ? &seed_shape : nullptr);
  if (!seed.defined()) seed = Tensor::ones(shape(), dtype());
  if (!requires_grad()) return;
  NoGradGuard no_grad;  // gradients themselves are not differentiated
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[impl_of(*this)] = seed;
  for (const Tensor& t : topo_order(*this)) {
    Tensor g = grads[impl_of(t)];
    grads.erase(impl_of(t));
    const auto& node = t.grad_fn();
    if (!node || !g.defined()) continue;
    std::vector<Tensor> in_grads = node->backward(g);
    for (std::size_t i = 0; i < node->inputs.size() && i < in_grads.size(); ++i) {
      const Tensor& in = node->inputs[i];
      if (!in.defined() || !in.requires_grad() || !in_grads[i].defined()) continue;
      checks::check_gradient_shape(node->op, i, in_grads[i].shape(), in.shape(),
                                   node->layer ? *node->layer : Site(node->op, "op"));
      Tensor gi = reduce_to_shape(in_grads[i], in.shape());
      if (gi.dtype() != in.dtype()) gi = gi.astype(in.dtype());
      if (check_numerics()) numerics::check_op(gi, node->op, "gradient", {}, node->layer);
      if (in.grad_fn()) {
        grads[impl_of(in)] = accumulate(grads[impl_of(in)], gi);
      } else {  // a leaf: accumulate into .grad()
        Tensor leaf = in;
        leaf.set_grad(accumulate(in.grad(), gi));
      }
    }
  }
}

}  // namespace tenet
