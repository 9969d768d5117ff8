// Trainable flags after compile (core/training/model_state.hpp): compile fixes the variables
// fit updates and keeps the optimizer's slots in step with them; a flag changed later is
// refused by the calls that train or save until the next compile.
#include <algorithm>

#include "core/contracts/training_checks.hpp"
#include "core/training/model_state.hpp"

namespace tenet {

namespace {

bool listed(const std::vector<Tensor>& vars, const Tensor& v) {
  return std::any_of(vars.begin(), vars.end(), [&](const Tensor& w) { return w.same_as(v); });
}

}  // namespace

void check_trainable_since_compile(const Model::State& s, const std::string& call) {
  if (!s.is_compiled) return;
  std::vector<std::string> frozen, unfrozen;
  for (const auto& l : s.layers) {
    const auto ws = l->weights();
    const auto tr = l->trainable();
    bool froze = false, thawed = false;
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const bool trains = i < tr.size() && tr[i], trained = listed(s.compiled_trainable, ws[i]);
      froze = froze || (trained && !trains);
      thawed = thawed || (trains && !trained);
    }
    if (froze) frozen.push_back(l->name());
    if (thawed) unfrozen.push_back(l->name());
  }
  if (frozen.empty() && unfrozen.empty()) return;
  checks::trainable_changed(frozen, unfrozen, call, s.site);
}

void carry_slots(OptimizerImpl& opt, const std::vector<Tensor>& before,
                 const std::vector<Tensor>& after) {
  const auto& old = opt.slots();
  if (old.empty() || old.size() != before.size()) return;  // no step yet, or not this model's
  std::vector<std::vector<Tensor>> slots;
  for (const Tensor& v : after) {
    const auto it = std::find_if(before.begin(), before.end(),
                                 [&](const Tensor& w) { return w.same_as(v); });
    if (it != before.end()) {
      slots.push_back(old[static_cast<std::size_t>(it - before.begin())]);
      continue;
    }
    std::vector<Tensor> fresh;  // unfrozen since: its moments start at 0
    for (int j = 0; j < opt.slot_count(); ++j) fresh.push_back(Tensor::zeros(v.shape()));
    slots.push_back(std::move(fresh));
  }
  opt.set_state(opt.iterations(), std::move(slots));
}

}  // namespace tenet
