#pragma once
// SymbolicTensor: a placeholder flowing through layers while a model is built. It carries a
// shape whose batch axis (and possibly height/width) is unknown, its dtype, and the layer call
// that produced it, so contract errors can show where every size came from.
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/shape.hpp>

namespace tenet {

class LayerImpl;
class SymbolicTensor;

struct SymbolicNode {
  Shape shape;
  DType dtype = DType::f32;
  std::shared_ptr<LayerImpl> layer;     // the producer; an InputLayer for model inputs
  std::vector<SymbolicTensor> inputs;   // the producer's inputs for this call
  int id = 0;                           // creation order, unique per process
  // For a rank-4 output: the nearest node upstream (this one when null) that set its height and
  // width, following first inputs of equal height and width; kept so errors name it in O(1).
  const SymbolicNode* size_source = nullptr;
  // The user's line of the layer call that made this node (Layer::operator()).
  std::source_location call_loc;
  SymbolicNode() = default;
  SymbolicNode(const SymbolicNode&) = delete;
  SymbolicNode& operator=(const SymbolicNode&) = delete;
  ~SymbolicNode();  // iterative: a chain of any length is freed without deep recursion
};

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  explicit SymbolicTensor(std::shared_ptr<SymbolicNode> node) : node_(std::move(node)) {}
  // Each accessor raises options.invalid (checks::empty_handle) on an empty handle.
  const Shape& shape() const { return checked("shape()").shape; }
  DType dtype() const { return checked("dtype()").dtype; }
  const std::shared_ptr<SymbolicNode>& node() const { return node_; }  // null when empty
  const std::shared_ptr<LayerImpl>& producer() const { return checked("producer()").layer; }
  const std::string& name() const;  // the producing layer's name
  bool defined() const { return node_ != nullptr; }

 private:
  friend struct SymbolicNode;
  const SymbolicNode& checked(const char* member) const {
    if (!node_) raise_empty(member);
    return *node_;
  }
  [[noreturn]] static void raise_empty(const char* member);
  std::shared_ptr<SymbolicNode> node_;
};

struct InputOptions {
  std::string name;            // automatic ("input_layer", "input_layer_1") when empty
  DType dtype = DType::f32;
};

// A fresh node id (creation order).
int next_node_id();

// A model input of the given shape without the batch axis; kUnknown marks None axes.
SymbolicTensor Input(const Shape& shape, InputOptions options = {},
                     std::source_location loc = std::source_location::current());

// The upstream path of a symbolic tensor, oldest first, one line per layer call:
// "conv2d_1 (Conv2D 5x5, valid): (None, 32, 32, 3) -> (None, 28, 28, 64)".
std::vector<std::string> provenance(const SymbolicTensor& t, std::size_t max_lines = 12);
// "'conv2d_1' (Conv2D) output (None, 28, 28, 64)": how errors name an input.
std::string describe_input(const SymbolicTensor& t);

}  // namespace tenet
