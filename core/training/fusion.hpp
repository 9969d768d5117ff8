#pragma once
// The fusion pass. Run once when a Model is built, it finds chains of tenet's own layers that
// run faster as one (the facts each built-in layer states: core/graph/fusable.hpp) and gives the
// model a run order in which one fused node stands in for each chain:
//   Conv2D(activation relu) -> MaxPool2D   the pool does the ReLU's backward (Conv2D+ReLU+MaxPool2D)
//   BatchNorm -> ReLU                      one oneDNN pass normalises and clips (BatchNorm+ReLU)
// Only when the first layer's output goes nowhere else (no other consumer, not a model output).
// A fused node gives the same values and gradients as its layers run one by one. Internal.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/graph/symbolic.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet {
class Model;
}

namespace tenet::fusion {

// Runs one graph node's layer on the given inputs as the model runs any node (its call context,
// checks and profiling): a fused node runs its parts through it.
using CallNode = std::function<Tensor(const SymbolicNode&, const std::vector<Tensor>&)>;

// A chain of graph nodes run as one. Every part but the last has one consumer, the next part,
// and is not a model output, so nothing outside needs the values inside the chain.
class FusedNode {
 public:
  virtual ~FusedNode() = default;
  // "Conv2D+ReLU+MaxPool2D", "BatchNorm+ReLU".
  virtual const char* kind() const = 0;
  // Runs the chain on the first part's inputs; the result is the last part's value.
  virtual Tensor run(const std::vector<Tensor>& inputs, const CallNode& call) const = 0;
  // The graph nodes it stands for, first to last.
  const std::vector<const SymbolicNode*>& parts() const { return parts_; }

 protected:
  explicit FusedNode(std::vector<const SymbolicNode*> parts) : parts_(std::move(parts)) {}

 private:
  std::vector<const SymbolicNode*> parts_;
};

// One step of a model's run: a graph node, or a fused node in place of its chain.
struct Step {
  const SymbolicNode* node = nullptr;  // with a fused node: its last part
  std::shared_ptr<const FusedNode> fused;
};

// The run order: `nodes` (topological order) with each chain replaced by its fused node, at the
// place of the chain's last node. `outputs` are the model's outputs.
std::vector<Step> plan(const std::vector<std::shared_ptr<SymbolicNode>>& nodes,
                       const std::vector<SymbolicTensor>& outputs);

// One line per fused node of the model, in run order:
// "conv2d (Conv2D) + max_pooling2d (MaxPool2D): Conv2D+ReLU+MaxPool2D". Empty when none.
std::string describe(const Model& model);

// For tests: false makes plan() fuse nothing, so models built afterwards run every layer on its
// own (the reference a fused model is compared with). True by default.
void set_enabled(bool enabled);

}  // namespace tenet::fusion
