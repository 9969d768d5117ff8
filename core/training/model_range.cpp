// input.range at the start of fit: the values of each Input's first batch against the range
// the model was built for, read from the layer that first receives them (a Rescaling, a
// BatchNormalization that takes any range, or a layer that computes on them as they come).
#include <algorithm>
#include <cmath>

#include "core/contracts/input_checks.hpp"
#include "core/training/model_state.hpp"

namespace tenet {

namespace {

std::string who(const LayerImpl& l) { return "'" + l.name() + "' (" + l.type() + ")"; }

// The first layer after `input` (looking past layers that pass values on unchanged in range)
// whose value rule matters; nullptr when the Input feeds no layer.
const SymbolicNode* first_receiver(const Model::State& s, const SymbolicNode* input) {
  const SymbolicNode* from = input;
  for (const auto& n : s.nodes) {
    bool fed = false;
    for (const auto& x : n->inputs) fed |= x.node().get() == from;
    if (!fed) continue;
    if (n->layer->facts().value_rule != checks::ValueRule::passes) return n.get();
    from = n.get();
  }
  return nullptr;
}

// The smallest and largest finite value of `t` (false when it holds none).
bool finite_range(const Tensor& t, double& lo, double& hi) {
  bool any = false;
  for (double v : t.to_vector<double>()) {
    if (!std::isfinite(v)) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  return any;
}

}  // namespace

void check_input_ranges(const Model::State& s, const std::vector<Tensor>& x, WarningMode mode) {
  if (mode == WarningMode::off) return;
  for (std::size_t i = 0; i < x.size() && i < s.inputs.size(); ++i) {
    const SymbolicNode* input = s.inputs[i].node().get();
    const SymbolicNode* first = first_receiver(s, input);
    if (!first) continue;
    checks::LayerFacts f = first->layer->facts();
    if (f.value_rule == checks::ValueRule::normalizes) continue;
    checks::RangeFacts r;
    r.input = s.inputs[i].name();
    r.dtype = x[i].dtype();
    r.image = x[i].rank() == 4;
    if (!finite_range(x[i], r.lo, r.hi)) continue;
    r.first_layer = who(*first->layer);
    if (f.value_rule == checks::ValueRule::rescales) {
      r.rescaling = r.first_layer;
      r.scale = f.scale, r.offset = f.offset;
      const SymbolicNode* next = first_receiver(s, first);
      r.first_layer = next ? who(*next->layer) : "";
    }
    checks::check_input_range(r, mode, s.inputs[i].producer()->site());
  }
}

}  // namespace tenet
