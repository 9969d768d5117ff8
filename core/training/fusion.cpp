#include "core/training/fusion.hpp"

#include <atomic>
#include <map>
#include <set>

#include "core/graph/fusable.hpp"
#include "core/training/model_state.hpp"

namespace tenet::fusion {

namespace {

std::atomic<bool> g_enabled{true};

// Conv2D(relu) -> MaxPool2D: the pool's backward passes no gradient through a window whose
// maximum is 0, and the ReLU's mask is 0 exactly there at the one position of each window that
// gets a gradient, so the convolution skips its ReLU's backward (a pass over its output).
class ConvReluPool final : public FusedNode {
 public:
  ConvReluPool(const SymbolicNode* conv, const SymbolicNode* pool) : FusedNode({conv, pool}) {}
  const char* kind() const override { return "Conv2D+ReLU+MaxPool2D"; }
  Tensor run(const std::vector<Tensor>& inputs, const CallNode& call) const override {
    const SymbolicNode &conv = *parts()[0], &pool = *parts()[1];
    Tensor y;
    {
      RoleScope role(conv.layer.get(), {.leave_relu_backward = true});
      y = call(conv, inputs);
    }
    RoleScope role(pool.layer.get(), {.input_from_relu = true});
    return call(pool, {y});
  }
};

// BatchNorm -> ReLU: oneDNN normalises and clips in one pass (fuse_norm_relu) and its backward
// reads the ReLU's mask from the forward's workspace. The ReLU layer itself is not called.
class BatchNormRelu final : public FusedNode {
 public:
  BatchNormRelu(const SymbolicNode* norm, const SymbolicNode* relu) : FusedNode({norm, relu}) {}
  const char* kind() const override { return "BatchNorm+ReLU"; }
  Tensor run(const std::vector<Tensor>& inputs, const CallNode& call) const override {
    const SymbolicNode& norm = *parts()[0];
    RoleScope role(norm.layer.get(), {.apply_relu = true});
    return call(norm, inputs);
  }
};

// The fused node for `first` -> `second`, when the pair is one of the patterns; null otherwise.
std::shared_ptr<const FusedNode> match(const SymbolicNode* first, const SymbolicNode* second) {
  if (!first->layer || !second->layer) return nullptr;
  const std::optional<Facts> a = facts_of(*first->layer), b = facts_of(*second->layer);
  if (!a || !b) return nullptr;  // a user's layer: never fused
  if (a->op == Op::conv2d && a->relu_activation && b->op == Op::max_pool2d)
    return std::make_shared<ConvReluPool>(first, second);
  if (a->op == Op::batch_norm && b->op == Op::relu)
    return std::make_shared<BatchNormRelu>(first, second);
  return nullptr;
}

}  // namespace

std::vector<Step> plan(const std::vector<std::shared_ptr<SymbolicNode>>& nodes,
                       const std::vector<SymbolicTensor>& outputs) {
  std::map<const SymbolicNode*, int> consumers;
  for (const auto& n : nodes)
    for (const auto& in : n->inputs) ++consumers[in.node().get()];
  for (const auto& o : outputs) ++consumers[o.node().get()];
  std::map<const SymbolicNode*, std::shared_ptr<const FusedNode>> ending_at;
  std::set<const SymbolicNode*> inside;  // parts before the last of some fused node
  if (g_enabled.load())
    for (const auto& n : nodes) {
      if (n->inputs.size() != 1) continue;
      const SymbolicNode* before = n->inputs[0].node().get();
      if (consumers[before] != 1 || ending_at.count(before)) continue;
      if (auto fused = match(before, n.get())) {
        ending_at[n.get()] = std::move(fused);
        inside.insert(before);
      }
    }
  std::vector<Step> steps;
  for (const auto& n : nodes) {
    if (inside.count(n.get())) continue;
    auto it = ending_at.find(n.get());
    steps.push_back({n.get(), it == ending_at.end() ? nullptr : it->second});
  }
  return steps;
}

std::string describe(const Model& model) {
  std::string out;
  for (const Step& s : model_state(model)->steps) {
    if (!s.fused) continue;
    std::string parts;
    for (const SymbolicNode* p : s.fused->parts())
      parts += (parts.empty() ? "" : " + ") + p->layer->name() + " (" + p->layer->type() + ")";
    out += parts + ": " + s.fused->kind() + "\n";
  }
  return out;
}

void set_enabled(bool enabled) { g_enabled.store(enabled); }

}  // namespace tenet::fusion
