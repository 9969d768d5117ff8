// tenet models -> Keras model configs (model.to_json() form): Sequential for a Sequential,
// Functional otherwise, layers in Keras's order with their calls (data/keras_json.hpp).
#include <algorithm>
#include <map>

#include "core/training/model_state.hpp"
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

Json batch_shape(const Shape& s) {  // (None, 28, 28, 1) -> [null, 28, 28, 1]
  Json out = Json::array();
  for (std::int64_t d : s) out.push_back(d < 0 ? Json(nullptr) : Json(d));
  return out;
}

Json input_layer(const SymbolicTensor& t) {
  return {{"module", "keras.layers"},
          {"class_name", "InputLayer"},
          {"config", {{"batch_shape", batch_shape(t.shape())}, {"dtype", dtype_name(t.dtype())},
                      {"sparse", false}, {"ragged", false}, {"name", t.name()},
                      {"optional", false}}},
          {"registered_name", nullptr}};
}

// Each layer's calls in the order they were made (Keras's node indices).
using NodeIndex = std::map<const SymbolicNode*, std::size_t>;
NodeIndex node_indices(const Model::State& s) {
  std::map<const LayerImpl*, std::vector<const SymbolicNode*>> calls;
  for (const auto& n : s.nodes) calls[n->layer.get()].push_back(n.get());
  NodeIndex out;
  for (auto& [layer, nodes] : calls) {
    std::sort(nodes.begin(), nodes.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (std::size_t i = 0; i < nodes.size(); ++i) out[nodes[i]] = i;
  }
  return out;
}

Json history(const SymbolicTensor& t, const NodeIndex& idx) {
  return Json::array({t.name(), idx.at(t.node().get()), 0});
}

Json keras_tensor(const SymbolicTensor& t, const NodeIndex& idx) {
  return {{"class_name", "__keras_tensor__"},
          {"config", {{"shape", batch_shape(t.shape())}, {"dtype", dtype_name(t.dtype())},
                      {"keras_history", history(t, idx)}}}};
}

Json functional(const Model& model) {
  const Model::State& s = *model_state(model);
  const NodeIndex idx = node_indices(s);
  Json layers = Json::array();
  for (const auto& l : s.layers) {
    Json entry;
    Json nodes = Json::array();
    const bool input = l->type() == "InputLayer";
    for (const auto& n : s.nodes) {
      if (n->layer != l || input) continue;
      Json args = Json::array();
      for (const auto& in : n->inputs) args.push_back(keras_tensor(in, idx));
      nodes.push_back({{"args", Json::array({l->multi_input() ? args : args[0]})},
                       {"kwargs", Json::object()}});
    }
    if (input) {
      for (const auto& in : s.inputs)
        if (in.producer() == l) entry = input_layer(in);
    } else {
      entry = layer_to_keras(*l);
    }
    entry["name"] = l->name();
    entry["inbound_nodes"] = nodes;
    layers.push_back(entry);
  }
  // One input or output is written bare (["dense", 0, 0]), several as a list, as Keras does:
  // the form decides whether Keras's model takes and returns a list.
  auto endpoints = [&](const std::vector<SymbolicTensor>& ts) {
    Json out = Json::array();
    for (const auto& t : ts) out.push_back(history(t, idx));
    return ts.size() == 1 ? out[0] : out;
  };
  const Json ins = endpoints(s.inputs), outs = endpoints(s.outputs);
  return {{"module", "keras.src.models.functional"},
          {"class_name", "Functional"},
          {"config", {{"name", s.name}, {"trainable", true}, {"layers", layers},
                      {"input_layers", ins}, {"output_layers", outs}}},
          {"registered_name", "Functional"},
          {"build_config", {{"input_shape", nullptr}}}};
}

Json sequential(const Model& model) {
  const Model::State& s = *model_state(model);
  Json layers = Json::array({input_layer(s.inputs[0])});
  for (const auto& l : s.layers)
    if (l->type() != "InputLayer") layers.push_back(layer_to_keras(*l));
  const Json shape = batch_shape(s.inputs[0].shape());
  return {{"module", "keras"},
          {"class_name", "Sequential"},
          {"config", {{"name", s.name}, {"trainable", true}, {"dtype", float32_policy()},
                      {"layers", layers}, {"build_input_shape", shape}}},
          {"registered_name", nullptr},
          {"build_config", {{"input_shape", shape}}}};
}

}  // namespace

Json model_to_keras(const Model& model, std::vector<std::string>* left_out) {
  Json root = model_state(model)->sequential ? sequential(model) : functional(model);
  const Json compile = compile_to_keras(model, left_out);
  if (!compile.is_null()) root["compile_config"] = compile;
  return root;
}

}  // namespace tenet::data::keras_detail
