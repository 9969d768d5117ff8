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
struct SymbolicNode;  // one layer call of the graph: internal (core/graph/symbolic_node.hpp)

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  explicit SymbolicTensor(std::shared_ptr<SymbolicNode> node) : node_(std::move(node)) {}
  // Each accessor raises options.invalid (checks::empty_handle) on an empty handle.
  const Shape& shape() const;
  DType dtype() const;
  const std::shared_ptr<SymbolicNode>& node() const { return node_; }  // opaque; null when empty
  const std::shared_ptr<LayerImpl>& producer() const;
  const std::string& name() const;  // the producing layer's name
  bool defined() const { return node_ != nullptr; }

 private:
  friend struct SymbolicNode;
  const SymbolicNode& checked(const char* member) const;
  [[noreturn]] static void raise_empty(const char* member);
  std::shared_ptr<SymbolicNode> node_;
};

struct InputOptions {
  std::string name;            // automatic ("input_layer", "input_layer_1") when empty
  DType dtype = DType::f32;
};

// A model input of the given shape without the batch axis; kUnknown marks None axes.
SymbolicTensor Input(const Shape& shape, InputOptions options = {},
                     std::source_location loc = std::source_location::current());

// The upstream path of a symbolic tensor, oldest first, one line per layer call:
// "conv2d_1 (Conv2D 5x5, valid): (None, 32, 32, 3) -> (None, 28, 28, 64)".
std::vector<std::string> provenance(const SymbolicTensor& t, std::size_t max_lines = 12);
// "'conv2d_1' (Conv2D) output (None, 28, 28, 64)": how errors name an input.
std::string describe_input(const SymbolicTensor& t);

}  // namespace tenet
