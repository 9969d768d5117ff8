#include "core/symbolic.hpp"

#include <atomic>
#include <functional>
#include <set>

#include "core/checks.hpp"
#include "core/layer.hpp"

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

const std::string& SymbolicTensor::name() const { return checked("name()").layer->name(); }

void SymbolicTensor::raise_empty(const char* member) {
  checks::empty_handle(std::string("the SymbolicTensor whose ") + member + " was called",
                       "SymbolicTensor", Site("SymbolicTensor", "handle"), Phase::build);
}

SymbolicTensor Input(const Shape& shape, InputOptions options, std::source_location loc) {
  const Site site(options.name.empty() ? "input" : options.name, "InputLayer", loc);
  for (int i = 0; i < shape.rank(); ++i)
    if (shape[i] == 0 || shape[i] < kUnknown)
      checks::Violation("input.shape", Phase::build, site)
          .summary("an Input's dimensions must be positive or None")
          .expected("sizes >= 1, or kUnknown for None")
          .actual(shape)
          .mark({i})
          .cause("axis " + std::to_string(i) + " of the sample shape is " +
                 std::to_string(shape[i]) +
                 (shape[i] < 0 ? ", a negative size (only -1, kUnknown, means None)"
                               : ": a sample with no elements"))
          .fix("give the shape of one sample without the batch axis, e.g. {28, 28, 1}")
          .raise();
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

std::vector<std::string> provenance(const SymbolicTensor& t, std::size_t max_lines) {
  // Depth-first over the producers, oldest first, each layer call once.
  std::vector<std::string> lines;
  std::set<const SymbolicNode*> seen;
  std::function<void(const SymbolicTensor&)> visit = [&](const SymbolicTensor& x) {
    if (!x.defined() || !seen.insert(x.node().get()).second) return;
    for (const auto& in : x.node()->inputs) visit(in);
    const auto& l = x.producer();
    if (!l) return;
    std::string line = l->name() + " (" + l->type();
    std::string d = l->describe();
    if (!d.empty()) line += " " + d;
    line += ")";
    if (x.node()->inputs.empty()) {
      line += ": " + x.shape().str();
    } else {
      std::string ins;
      for (const auto& in : x.node()->inputs) ins += (ins.empty() ? "" : " + ") + in.shape().str();
      line += ": " + ins + " -> " + x.shape().str();
    }
    lines.push_back(line);
  };
  visit(t);
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<long>(max_lines));
  return lines;
}

}  // namespace tenet
