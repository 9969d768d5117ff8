// The backward pass (Tensor::backward): one iterative topological sort over the nodes that
// attach_grad recorded (core/tensor/autograd.hpp), the closures run in reverse, gradients summed
// where a tensor feeds several ops and reduced to each input's shape where broadcasting made them
// larger. It lives in ops because summing and reducing gradients are ops; the tensor wing below
// only records the graph.
#include <unordered_map>
#include <unordered_set>

#include <tenet/core/contracts/checks.hpp>
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

// A backward closure (possibly a user op's, through attach_grad) must return for input i a
// gradient of the input's shape or of a shape broadcasting to it: else autograd.backward.
static void check_gradient_shape(const GradNode& node, std::size_t i, const Shape& grad,
                                 const Shape& input) {
  bool ok = grad.rank() >= input.rank();
  for (int a = 0; ok && a < input.rank(); ++a) {
    const std::int64_t g = grad[grad.rank() - input.rank() + a];
    ok = g == input[a] || input[a] == 1;
  }
  if (ok) return;
  checks::Violation("autograd.backward", Phase::run, node.layer ? *node.layer : Site(node.op, "op"))
      .summary("the backward of '" + node.op + "' returned a gradient of shape " + grad.str() +
               " for its " + checks::ordinal(i) + " input, of shape " + input.str())
      .expected(input)
      .actual(grad)
      .cause("a backward closure must return, for each input, a gradient of that input's shape "
             "(or of the output's broadcast shape)")
      .fix("return gradients shaped like the op's inputs from the closure given to attach_grad")
      .raise();
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
  if (!seed.defined()) {
    if (numel() != 1)
      checks::Violation("autograd.backward", Phase::run, Site("backward", "op"))
          .summary("backward() without a gradient needs a one-element tensor")
          .expected("1 element")
          .actual(shape())
          .fix("call backward on a scalar (e.g. loss.mean()), or pass the output gradient")
          .raise();
    seed = Tensor::ones(shape(), dtype());
  } else if (!(seed.shape() == shape())) {
    checks::Violation("autograd.backward", Phase::run, Site("backward", "op"))
        .summary("the output gradient passed to backward() must have the tensor's shape")
        .expected(shape())
        .actual(seed.shape())
        .mark_differences(shape(), seed.shape())
        .cause("backward(dout) was given a gradient of shape " + seed.shape().str() +
               " for a tensor of shape " + shape().str())
        .fix("pass a gradient of shape " + shape().str() + ", or call backward() on a scalar")
        .raise();
  }
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
      check_gradient_shape(*node, i, in_grads[i].shape(), in.shape());
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
