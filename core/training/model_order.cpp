// Keras's order of a functional model's layers (keras/src/ops/function.py, map_graph): the
// order of model.layers, of model.weights, and of the groups layers/<class>_<n> in weights
// files. Layers are sorted by depth, the longest path from the layer to an output, deepest
// first; layers of equal depth keep the order in which a depth-first walk from the outputs
// (each call's inputs in order) first reached them.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "core/training/model_state.hpp"

namespace tenet {

std::vector<std::shared_ptr<LayerImpl>> keras_layer_order(const std::vector<SymbolicTensor>& outputs) {
  // 1. The walk (iterative, so a chain of any length fits): first-visit index per layer, and
  //    the calls in post-order (inputs before the call that uses them).
  std::unordered_map<const LayerImpl*, std::size_t> first_seen;
  std::vector<const SymbolicNode*> post_order;
  std::set<const SymbolicNode*> finished;
  std::vector<std::pair<const SymbolicNode*, std::size_t>> stack;
  auto visit = [&](const SymbolicNode* n) {
    if (finished.count(n)) return;
    first_seen.emplace(n->layer.get(), first_seen.size());
    finished.insert(n);  // a DAG: a node on the stack is never reached again
    stack.emplace_back(n, 0);
  };
  for (const auto& o : outputs) {
    visit(o.node().get());
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        visit(node->inputs[next++].node().get());
        continue;
      }
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  // 2. Depths, from the outputs back: a call's depth is at least one more than any call it
  //    feeds, and a layer's depth is the largest of its calls' (shared layers).
  std::unordered_map<const SymbolicNode*, std::size_t> node_depth;
  std::unordered_map<const LayerImpl*, std::size_t> layer_depth;
  for (auto it = post_order.rbegin(); it != post_order.rend(); ++it) {
    const SymbolicNode* n = *it;
    std::size_t depth = std::max(node_depth[n], layer_depth[n->layer.get()]);
    layer_depth[n->layer.get()] = depth;
    node_depth[n] = depth;
    for (const auto& in : n->inputs) {
      auto& d = node_depth[in.node().get()];
      d = std::max(d, depth + 1);
    }
  }
  // 3. Deepest first; ties by first visit.
  std::vector<std::shared_ptr<LayerImpl>> layers;
  std::set<const LayerImpl*> seen;
  for (const SymbolicNode* n : post_order)
    if (n->layer && seen.insert(n->layer.get()).second) layers.push_back(n->layer);
  std::sort(layers.begin(), layers.end(), [&](const auto& a, const auto& b) {
    const std::size_t da = layer_depth[a.get()], db = layer_depth[b.get()];
    return da != db ? da > db : first_seen[a.get()] < first_seen[b.get()];
  });
  return layers;
}

}  // namespace tenet
