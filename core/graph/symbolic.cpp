#include <tenet/core/graph/symbolic.hpp>

#include <atomic>
#include <queue>
#include <unordered_set>

#include "core/contracts/input_checks.hpp"
#include <tenet/core/graph/layer.hpp>
#include "core/graph/symbolic_node.hpp"

namespace tenet {

namespace {
std::atomic<int> g_next_id{0};

// The layer that stands for a model input. It never runs: Model feeds its data directly.
class InputLayerImpl : public LayerImpl {
 public:
  InputLayerImpl(Shape shape, std::string name, std::source_location loc)
      : LayerImpl("InputLayer", "input_layer", std::move(name), loc), shape_(std::move(shape)) {}
  Shape output_shape(const std::vector<Shape>&, Phase) override { return shape_; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in.at(0); }

 private:
  Shape shape_;
};
}  // namespace

int next_node_id() { return g_next_id++; }

SymbolicNode::~SymbolicNode() {
  // Takes over the inputs that only this node holds, and theirs in turn, so that freeing the end
  // of a chain of n layer calls runs n small steps here instead of n nested destructors.
  std::vector<std::shared_ptr<SymbolicNode>> pending;
  for (auto& in : inputs) pending.push_back(std::move(in.node_));
  while (!pending.empty()) {
    std::shared_ptr<SymbolicNode> n = std::move(pending.back());
    pending.pop_back();
    if (n && n.use_count() == 1)
      for (auto& in : n->inputs) pending.push_back(std::move(in.node_));
  }
}

const SymbolicNode& SymbolicTensor::checked(const char* member) const {
  if (!node_) raise_empty(member);
  return *node_;
}
const Shape& SymbolicTensor::shape() const { return checked("shape()").shape; }
DType SymbolicTensor::dtype() const { return checked("dtype()").dtype; }
const std::shared_ptr<LayerImpl>& SymbolicTensor::producer() const {
  return checked("producer()").layer;
}
const std::string& SymbolicTensor::name() const { return checked("name()").layer->name(); }

void SymbolicTensor::raise_empty(const char* member) {
  checks::empty_handle(std::string("the SymbolicTensor whose ") + member + " was called",
                       "SymbolicTensor", Site("SymbolicTensor", "handle"), Phase::build);
}

SymbolicTensor Input(const Shape& shape, InputOptions options, std::source_location loc) {
  const Site site(options.name.empty() ? "input" : options.name, "InputLayer", loc);
  checks::check_input_declaration(shape, site);
  checks::checked_known_numel(shape.with_batch(kUnknown), site, Phase::build, options.dtype);
  auto node = std::make_shared<SymbolicNode>();
  node->shape = shape.with_batch(kUnknown);
  node->dtype = options.dtype;
  node->layer = std::make_shared<InputLayerImpl>(node->shape, options.name, loc);
  node->id = next_node_id();
  return SymbolicTensor(node);
}

std::string describe_input(const SymbolicTensor& t) {
  const auto& l = t.producer();
  return "'" + l->name() + "' (" + l->type() + ") output " + t.shape().str();
}

namespace {
std::string provenance_line(const SymbolicNode& n) {
  const auto& l = n.layer;
  std::string line = l->name() + " (" + l->type();
  std::string d = l->describe();
  if (!d.empty()) line += " " + d;
  line += ")";
  if (n.inputs.empty()) return line + ": " + n.shape.str();
  std::string ins;
  for (const auto& in : n.inputs) ins += (ins.empty() ? "" : " + ") + in.shape().str();
  return line + ": " + ins + " -> " + n.shape.str();
}
}  // namespace

std::vector<std::string> provenance(const SymbolicTensor& t, std::size_t max_lines) {
  // The max_lines most recent layer calls upstream of t (t included), oldest first. Node ids
  // follow creation order, so a node's id exceeds its inputs': taking ancestors from a max-heap
  // of ids yields them newest first, and the walk stops after max_lines nodes instead of
  // visiting the whole graph (which made building a chain of n layers O(n^2)).
  std::vector<const SymbolicNode*> picked;
  if (!t.defined() || max_lines == 0) return {};
  auto newer = [](const SymbolicNode* a, const SymbolicNode* b) { return a->id < b->id; };
  std::priority_queue<const SymbolicNode*, std::vector<const SymbolicNode*>, decltype(newer)> heap(newer);
  std::unordered_set<const SymbolicNode*> queued{t.node().get()};
  heap.push(t.node().get());
  while (!heap.empty() && picked.size() < max_lines) {
    const SymbolicNode* n = heap.top();
    heap.pop();
    if (n->layer) picked.push_back(n);
    for (const auto& in : n->inputs)
      if (in.defined() && queued.insert(in.node().get()).second) heap.push(in.node().get());
  }
  std::vector<std::string> lines;
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) lines.push_back(provenance_line(**it));
  return lines;
}

}  // namespace tenet
