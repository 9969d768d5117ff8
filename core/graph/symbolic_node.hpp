#pragma once
#include <source_location>
// The node behind a SymbolicTensor: one layer call of the graph being built, with its output
// shape and inputs. Internal: not installed; core/graph and Model (core/training) read and
// write it, users only hold the opaque handle (SymbolicTensor::node()).
#include <memory>
#include <vector>

#include <tenet/core/graph/symbolic.hpp>

namespace tenet {

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

// A fresh node id (creation order).
int next_node_id();

}  // namespace tenet
