#include "core/autograd.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "core/checks.hpp"
#include "core/ops.hpp"

namespace tenet {

namespace {
thread_local bool g_grad_enabled = true;
bool g_check_numerics = false;
thread_local std::string g_numerics_step;
thread_local std::shared_ptr<const Site> g_current_layer;
thread_local Phase g_current_phase = Phase::run;
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

void set_check_numerics(bool on) { g_check_numerics = on; }
bool check_numerics() { return g_check_numerics; }
void set_numerics_step(std::string where) { g_numerics_step = std::move(where); }

namespace {

struct FiniteCount {
  std::int64_t nan = 0, inf = 0, first = -1;
  double max_abs = 0;  // over the finite values
  bool ok() const { return nan + inf == 0; }
};

FiniteCount count_finite(const Tensor& t) {
  FiniteCount c;
  if (!t.defined() || !is_floating(t.dtype())) return c;
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* p = t.data<T>();
      for (std::int64_t i = 0, n = t.numel(); i < n; ++i) {
        if (std::isnan(p[i])) ++c.nan;
        else if (std::isinf(p[i])) ++c.inf;
        else {
          c.max_abs = std::max(c.max_abs, static_cast<double>(std::abs(p[i])));
          continue;
        }
        if (c.first < 0) c.first = i;
      }
    }
  });
  return c;
}

std::int64_t count_if_value(const Tensor& t, bool (*pred)(double)) {
  if (!t.defined() || !is_floating(t.dtype())) return 0;
  std::int64_t n = 0;
  for (double v : t.to_vector<double>()) n += pred(v);
  return n;
}

// Why an op produced NaN/Inf, from its inputs.
std::string output_cause(const std::string& op, const std::vector<Tensor>& inputs) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    FiniteCount c = count_finite(inputs[i]);
    if (!c.ok())
      return "its input " + std::to_string(i) + " already holds " + std::to_string(c.nan) +
             " NaN and " + std::to_string(c.inf) + " Inf: the values came in from outside the "
             "checked ops, usually from the data: look for NaN/Inf in the arrays given to fit";
  }
  if (inputs.empty()) return "the op produced NaN/Inf";
  const Tensor& x = inputs[0];
  if (op == "log") {
    std::int64_t bad = count_if_value(x, [](double v) { return v <= 0; });
    return "log received " + std::to_string(bad) + " values <= 0 (log(0) = -inf, log(<0) = NaN)";
  }
  if (op == "sqrt")
    return "sqrt received " + std::to_string(count_if_value(x, [](double v) { return v < 0; })) +
           " negative values";
  if (op == "divide" && inputs.size() > 1)
    return "the divisor holds " +
           std::to_string(count_if_value(inputs[1], [](double v) { return v == 0; })) + " zeros";
  double largest = 0;
  for (const auto& in : inputs) largest = std::max(largest, count_finite(in).max_abs);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", largest);
  return "the inputs are finite but large (largest magnitude " + std::string(buf) +
         "): the result overflowed float range; weights or activations are growing, usually "
         "because the learning rate is too high";
}

}  // namespace

CurrentLayerScope::CurrentLayerScope(std::shared_ptr<const Site> layer, Phase phase)
    : previous_(std::move(g_current_layer)), previous_phase_(g_current_phase) {
  g_current_layer = std::move(layer);
  g_current_phase = phase;
}
CurrentLayerScope::~CurrentLayerScope() {
  g_current_layer = std::move(previous_);
  g_current_phase = previous_phase_;
}
const std::shared_ptr<const Site>& current_layer_site() { return g_current_layer; }
Phase current_layer_phase() { return g_current_phase; }

void check_finite(const Tensor& t, const std::string& op, const std::string& what,
                  const std::vector<Tensor>& inputs, const std::shared_ptr<const Site>& layer) {
  FiniteCount c = count_finite(t);
  if (c.ok()) return;
  const bool gradient = what == "gradient";
  char largest[64];
  std::snprintf(largest, sizeof largest, "%.3g", c.max_abs);
  const std::string in_layer = layer && layer->name != op ? " in " + layer->name : "";
  checks::Violation("numerics.nonfinite", Phase::run, layer ? *layer : Site(op, "op"))
      .summary("the " + what + " of " + op + in_layer + " holds non-finite values" +
               (g_numerics_step.empty() ? std::string() : " at " + g_numerics_step))
      .expected("finite values")
      .actual(std::to_string(c.nan) + " NaN and " + std::to_string(c.inf) + " Inf among " +
              std::to_string(t.numel()) + " values of " + t.shape().str() + ", first at flat index " +
              std::to_string(c.first))
      .cause(gradient ? "the gradient reaching " + op + " overflowed (largest finite magnitude " +
                            largest + "): the loss or the weights are growing without bound, "
                            "usually because the learning rate is too high"
                      : output_cause(op, inputs))
      .fix(gradient ? "lower the learning rate (e.g. by 10x), or use a from_logits loss"
                    : "check the data for NaN/Inf and scale inputs to [0, 1]; lower the learning "
                      "rate; use from_logits losses rather than log of probabilities")
      .raise();
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor attach_grad(Tensor out, std::string op, std::vector<Tensor> inputs, BackwardFn backward) {
  if (g_check_numerics) check_finite(out, op, "output", inputs, g_current_layer);
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
      check_gradient_shape(*node, i, in_grads[i].shape(), in.shape());
      Tensor gi = reduce_to_shape(in_grads[i], in.shape());
      if (gi.dtype() != in.dtype()) gi = gi.astype(in.dtype());
      if (g_check_numerics) check_finite(gi, node->op, "gradient", {}, node->layer);
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
