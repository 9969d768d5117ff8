#include <tenet/core/tensor/autograd.hpp>

#include <tenet/core/contracts/checks.hpp>
#include "core/tensor/tensor_impl.hpp"
#include "core/tensor/numerics.hpp"

namespace tenet {

namespace {
thread_local bool g_grad_enabled = true;
thread_local bool g_check_numerics = false;
thread_local std::shared_ptr<const Site> g_current_layer;
thread_local Phase g_current_phase = Phase::run;
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
bool attach_grad_active() { return g_grad_enabled || g_check_numerics; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

NumericsScope::NumericsScope(bool on) : previous_(g_check_numerics) { g_check_numerics = on; }
NumericsScope::~NumericsScope() { g_check_numerics = previous_; }
bool check_numerics() { return g_check_numerics; }

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

GradNode::~GradNode() {
  // The closure first: tensors it captured are mostly also inputs, which then hold the last
  // references. An input held only here whose own node is held only by it gives its inputs
  // to the loop before it is released, so no release recurses into the one before.
  backward = nullptr;
  std::vector<Tensor> pending = std::move(inputs);
  while (!pending.empty()) {
    Tensor t = std::move(pending.back());
    pending.pop_back();
    const std::shared_ptr<TensorImpl>& impl = detail::TensorAccess::shared(t);
    if (!impl || impl.use_count() != 1 || !impl->grad_fn || impl->grad_fn.use_count() != 1) continue;
    GradNode& above = *impl->grad_fn;
    above.backward = nullptr;
    for (Tensor& in : above.inputs) pending.push_back(std::move(in));
    above.inputs.clear();
  }
}

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
  TensorImpl* impl = impl_of(out);
  impl->requires_grad = true;
  impl->grad_fn = std::move(node);
  return out;
}

}  // namespace tenet
