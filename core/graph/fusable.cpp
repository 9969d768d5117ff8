#include "core/graph/fusable.hpp"

namespace tenet::fusion {

namespace {
// The layer a fused node is calling on this thread, and the role it gave it.
thread_local const LayerImpl* t_layer = nullptr;
thread_local Role t_role;
}  // namespace

std::optional<Facts> facts_of(const LayerImpl& layer) {
  if (const auto* f = dynamic_cast<const Fusable*>(&layer)) return f->fusion_facts();
  return std::nullopt;
}

Role role_of(const LayerImpl* layer) { return layer == t_layer ? t_role : Role{}; }

RoleScope::RoleScope(const LayerImpl* layer, Role role)
    : previous_layer_(t_layer), previous_role_(t_role) {
  t_layer = layer;
  t_role = role;
}

RoleScope::~RoleScope() {
  t_layer = previous_layer_;
  t_role = previous_role_;
}

}  // namespace tenet::fusion
