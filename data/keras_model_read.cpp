// Keras model configs (Functional and Sequential) -> tenet models, built as far as they go
// (data/keras_json.hpp). Layers are created in the file's order; layer calls run as soon as
// their inputs exist (Kahn's algorithm), so any order of the list and shared layers work, and
// a call that waits forever (a cycle, a missing layer) is refused with data.format.
#include <deque>
#include <map>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/user_call.hpp"
#include "data/format_error.hpp"
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

// What the reader creates is named by the file and the layer it came from, never by the
// reader's own source lines: "created by layer 'conv2d_1' in model.keras".
std::string file_shown(const std::string& file) { return file.substr(file.find_last_of('/') + 1); }
ScopedOrigin layer_origin(const std::string& layer, const std::string& file) {
  return ScopedOrigin("created by layer '" + layer + "' in " + file_shown(file));
}
ScopedOrigin model_origin(const std::string& file) {
  return ScopedOrigin("read from " + file_shown(file));
}

struct Ref {  // ["conv2d", node_index, tensor_index]
  std::size_t layer = 0, node = 0;
};

struct Entry {
  std::string name, cls;
  Layer layer;                          // empty for an InputLayer
  std::vector<std::vector<Ref>> calls;  // per inbound node: its input tensors
  std::vector<SymbolicTensor> outputs;  // per inbound node, once called
};

class Graph {
 public:
  Graph(const Json& config, std::string file, bool init) : file_(std::move(file)), init_(init) {
    read_layers(config);
  }
  PartialBuild build(const Json& config);

 private:
  void read_layers(const Json& config);
  Entry read_entry(const Json& item, std::size_t index);
  std::vector<Ref> read_node(const Entry& e, const Json& node);
  Ref read_ref(const Json& t, const std::string& what);
  std::vector<Ref> read_endpoints(const Json& config, const char* key);
  void run_calls(PartialBuild& out);
  void call(std::size_t layer, std::size_t node);

  std::string file_;
  bool init_;
  std::vector<Entry> entries_;
  std::vector<const Json*> items_;
  std::map<std::string, std::size_t> by_name_;
};

SymbolicTensor input_from_keras(ConfigReader& r) {
  const std::string name = r.name();
  const Json* shape = r.get("batch_shape");
  if (!shape) shape = r.get("batch_input_shape");
  if (!shape || !shape->is_array() || shape->empty() || shape->size() > 9)
    r.wrong_type(r.get("batch_shape") ? "batch_shape" : "batch_input_shape",
                 "a list [null, sizes...] of at most 9 entries");
  if (!(*shape)[0].is_null()) r.unsupported("batch_shape", *shape, "a batch size of null (any)");
  std::vector<std::int64_t> dims;
  for (std::size_t i = 1; i < shape->size(); ++i) {
    const Json& d = (*shape)[i];
    if (d.is_null()) dims.push_back(kUnknown);
    else if (d.is_number_unsigned() && d.get<std::uint64_t>() >= 1 &&
             d.get<std::uint64_t>() <= (std::uint64_t{1} << 31))
      dims.push_back(d.get<std::int64_t>());
    else r.wrong_type("batch_shape", "sizes from 1 to 2^31, or null");
  }
  const std::string dt = r.text("dtype", "float32");
  const auto dtype = dtype_from_keras(dt);
  if (!dtype) r.unsupported("dtype", dt, "float32, float64, uint8, int32 or int64");
  r.only("sparse", {false});
  r.only("ragged", {false});
  r.only("optional", {false});
  r.only("input_tensor", {nullptr});
  r.finish();
  return Input(Shape(std::move(dims)), {.name = name, .dtype = *dtype});
}

struct Item {
  std::string name, cls;
  const Json* config;
};

// A layer entry's name, class_name and config, checked for their JSON types.
Item read_item(const Json& item, std::size_t index, const std::string& file) {
  const std::string where = "layer " + std::to_string(index) + " of the model";
  if (!item.is_object()) bad_json(file, where, "a layer object", &item);
  const Json cls = item.value("class_name", Json());
  if (!cls.is_string()) bad_json(file, where + "'s class_name", "a string", &cls);
  const Json* config = item.contains("config") ? &item["config"] : nullptr;
  if (!config || !config->is_object()) bad_json(file, where + "'s config", "an object", config);
  const Json name = item.value("name", config->value("name", Json()));
  check_name(name, file, where + "'s name");
  return {name.get<std::string>(), cls.get<std::string>(), config};
}

Entry Graph::read_entry(const Json& item, std::size_t index) {
  const Item it = read_item(item, index, file_);
  Entry e{it.name, it.cls, {}, {}, {}};
  const ScopedOrigin origin = layer_origin(e.name, file_);
  ConfigReader r(*it.config, file_, e.name, e.cls);
  if (e.cls == "InputLayer") e.outputs.push_back(input_from_keras(r));
  else e.layer = layer_from_keras(e.cls, r, init_);
  return e;
}

void Graph::read_layers(const Json& config) {
  const Json* layers = config.contains("layers") ? &config["layers"] : nullptr;
  if (!layers || !layers->is_array()) bad_json(file_, "the model's layers", "a list", layers);
  if (layers->size() > kMaxLayers)
    bad_json(file_, "the model's layers", "at most " + std::to_string(kMaxLayers) + " layers",
             nullptr);
  for (const Json& item : *layers) {
    Entry e = read_entry(item, entries_.size());
    if (const auto [at, added] = by_name_.emplace(e.name, entries_.size()); !added)
      detail::format_error(file_, "Keras model file",
                           {"two layers are named '" + e.name + "'", "each layer name used once",
                            "layer " + std::to_string(at->second) + " (" + entries_[at->second].cls +
                                ") and layer " + std::to_string(entries_.size()) + " (" + e.cls +
                                ") are both named '" + e.name + "'",
                            "Keras gives every layer of a model its own name; the file was "
                            "edited, or not written by Keras 3", ""});
    entries_.push_back(std::move(e));
    items_.push_back(&item);
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Json nodes = items_[i]->value("inbound_nodes", Json::array());
    if (!nodes.is_array() || nodes.size() > kMaxNodesPerLayer)
      bad_json(file_, "inbound_nodes of '" + entries_[i].name + "'",
               "a list of at most " + std::to_string(kMaxNodesPerLayer) + " calls", &nodes);
    if (entries_[i].cls == "InputLayer" && !nodes.empty())
      bad_json(file_, "inbound_nodes of input '" + entries_[i].name + "'", "[]", &nodes);
    for (const Json& node : nodes) entries_[i].calls.push_back(read_node(entries_[i], node));
  }
}

Ref Graph::read_ref(const Json& t, const std::string& what) {
  const Json* h = &t;
  if (t.is_object()) {
    const Json cfg = t.value("config", Json());
    if (t.value("class_name", Json()) != "__keras_tensor__" || !cfg.is_object() ||
        !cfg.contains("keras_history"))
      bad_json(file_, what, "a __keras_tensor__ with its keras_history", &t);
    h = &t["config"]["keras_history"];
  }
  if (!h->is_array() || h->size() < 3 || !(*h)[0].is_string() || !(*h)[1].is_number_unsigned() ||
      !(*h)[2].is_number_unsigned())
    bad_json(file_, what, "[\"layer name\", node index, tensor index]", h);
  auto it = by_name_.find((*h)[0].get<std::string>());
  if (it == by_name_.end())
    bad_json(file_, what, "the name of a layer of the model", &(*h)[0]);
  const Json* items_nodes = items_[it->second]->contains("inbound_nodes")
                                ? &(*items_[it->second])["inbound_nodes"] : nullptr;
  const std::size_t calls = entries_[it->second].cls == "InputLayer"
                                ? 1 : (items_nodes && items_nodes->is_array() ? items_nodes->size() : 0);
  if (calls == 0)  // a layer listed but never called: it has no output to refer to
    detail::format_error(file_, "Keras model file",
                         {what + " refers to '" + entries_[it->second].name + "', a layer that is "
                          "never called in the model",
                          "a layer with a call (inbound_nodes) producing this tensor",
                          "'" + entries_[it->second].name + "' has no inbound_nodes",
                          "the layer's calls were removed from the file, or the file was not "
                          "written by Keras 3 (Keras records every call of a layer it saves)",
                          ""});
  if ((*h)[1].get<std::uint64_t>() >= calls || (*h)[2].get<std::uint64_t>() != 0)
    bad_json(file_, what, "a node index below " + std::to_string(calls) +
             " and tensor index 0 (tenet's layers have one output)", h);
  return {it->second, (*h)[1].get<std::size_t>()};
}

std::vector<Ref> Graph::read_node(const Entry& e, const Json& node) {
  const std::string what = "a call of '" + e.name + "'";
  if (!node.is_object() || !node.contains("args") || !node["args"].is_array() ||
      node["args"].size() != 1)
    bad_json(file_, what, "{\"args\": [inputs], \"kwargs\": {}} (Keras 3)", &node);
  const Json kwargs = node.value("kwargs", Json::object());
  if (!kwargs.is_object()) bad_json(file_, what + "'s kwargs", "an object", &kwargs);
  // A `training` recorded in a call is overridden by the model's own (fit: true, predict and
  // evaluate: false) in Keras as in tenet (keras/src/models/functional.py, operation_fn).
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it)
    if (!it.value().is_null() && !(it.key() == "training" && it.value().is_boolean()))
      ConfigReader(kwargs, file_, e.name, e.cls).unsupported(it.key(), it.value(),
                                                             "no call arguments");
  const Json& arg = node["args"][0];
  std::vector<Ref> refs;
  if (arg.is_array()) {
    if (arg.size() > kMaxLayerInputs)
      bad_json(file_, what, "at most " + std::to_string(kMaxLayerInputs) + " inputs", nullptr);
    for (const Json& t : arg) refs.push_back(read_ref(t, what));
  } else {
    refs.push_back(read_ref(arg, what));
  }
  return refs;
}

void Graph::call(std::size_t layer, std::size_t node) {
  Entry& e = entries_[layer];
  std::vector<SymbolicTensor> inputs;
  for (const Ref& r : e.calls[node]) inputs.push_back(entries_[r.layer].outputs[r.node]);
  e.outputs.push_back(e.layer(inputs, std::source_location{}));  // no line of the user's
}

// Runs every call whose inputs exist, in the file's order where it can; stops at the first
// call that raises a ContractError (recorded in `out`).
void Graph::run_calls(PartialBuild& out) {
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::pair<std::size_t, std::size_t>>>
      waiting;  // tensor (layer, node) -> calls that need it
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> missing;
  std::deque<std::pair<std::size_t, std::size_t>> ready;
  std::size_t pending = 0;
  for (std::size_t l = 0; l < entries_.size(); ++l)
    for (std::size_t n = 0; n < entries_[l].calls.size(); ++n, ++pending) {
      // a shared layer's calls run in order, so its node n is its n-th output
      std::size_t need = n > 0 ? 1 : 0;
      if (n > 0) waiting[{l, n - 1}].push_back({l, n});
      for (const Ref& r : entries_[l].calls[n])
        if (entries_[r.layer].cls != "InputLayer") {
          waiting[{r.layer, r.node}].push_back({l, n});
          ++need;
        }
      if (need == 0) ready.push_back({l, n});
      else missing[{l, n}] = need;
    }
  while (!ready.empty()) {
    auto [l, n] = ready.front();
    ready.pop_front();
    try {
      call(l, n);
    } catch (const ContractError& e) {
      out.failure = e;
      out.failing_layer = entries_[l].name;
      return;
    }
    --pending;
    for (const auto& w : waiting[{l, n}])
      if (--missing[w] == 0) ready.push_back(w);
  }
  if (pending == 0) return;
  for (const auto& [w, count] : missing)
    if (count > 0)
      bad_json(file_, "the call of '" + entries_[w.first].name + "'",
               "inputs computed by other calls (no cycle)",
               &(*items_[w.first])["inbound_nodes"][w.second]);
}

std::vector<Ref> Graph::read_endpoints(const Json& config, const char* key) {
  const Json* v = config.contains(key) ? &config[key] : nullptr;
  if (!v || !v->is_array() || v->empty()) bad_json(file_, std::string("the model's ") + key,
                                                  "[\"name\", 0, 0] or a list of them", v);
  std::vector<Ref> refs;
  if ((*v)[0].is_string()) refs.push_back(read_ref(*v, key));
  else
    for (const Json& t : *v) refs.push_back(read_ref(t, key));
  return refs;
}

PartialBuild Graph::build(const Json& config) {
  PartialBuild out;
  const auto in_refs = read_endpoints(config, "input_layers");
  const auto out_refs = read_endpoints(config, "output_layers");
  for (const Ref& r : in_refs)
    if (entries_[r.layer].cls != "InputLayer")
      bad_json(file_, "input_layers", "names of InputLayers", &(*items_[r.layer])["class_name"]);
  run_calls(out);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    LayerRecord rec{e.name, e.cls, {}, std::nullopt};
    if (!e.calls.empty())
      for (const Ref& r : e.calls[0]) rec.inbound.push_back(entries_[r.layer].name);
    if (!e.outputs.empty()) rec.output_shape = e.outputs[0].shape();
    out.layers.push_back(std::move(rec));
  }
  if (out.failure) return out;
  std::vector<SymbolicTensor> inputs, outputs;
  for (const Ref& r : in_refs) inputs.push_back(entries_[r.layer].outputs[r.node]);
  for (const Ref& r : out_refs) outputs.push_back(entries_[r.layer].outputs[r.node]);
  try {
    const ScopedOrigin origin = model_origin(file_);
    out.model.emplace(inputs, outputs, config.value("name", std::string()), std::source_location{});
  } catch (const ContractError& e) {
    out.failure = e;
  }
  return out;
}

// A Sequential's layers: an InputLayer first (or the build_input_shape), then a chain.
PartialBuild sequential(const Json& config, const std::string& file, bool init) {
  const Json* layers = config.contains("layers") ? &config["layers"] : nullptr;
  if (!layers || !layers->is_array() || layers->size() > kMaxLayers)
    bad_json(file, "the model's layers", "a list of at most " + std::to_string(kMaxLayers) +
             " layers", layers);
  SymbolicTensor x;
  PartialBuild out;
  std::size_t i = 0;
  if (!layers->empty() && read_item((*layers)[0], 0, file).cls == "InputLayer") {
    const ScopedOrigin origin = layer_origin(read_item((*layers)[0], 0, file).name, file);
    ConfigReader r((*layers)[0]["config"], file, "input", "InputLayer");
    x = input_from_keras(r);
    out.layers.push_back({x.name(), "InputLayer", {}, x.shape()});
    i = 1;
  } else {
    if (!config.contains("build_input_shape") || config["build_input_shape"].is_null()) {
      const Item first = layers->empty() ? Item{} : read_item((*layers)[0], 0, file);
      checks::model_without_input_shape(
          file, layers->empty() ? "" : "'" + first.name + "' (" + first.cls + ")");
    }
    const Json input = {{"batch_shape", config.value("build_input_shape", Json())},
                        {"name", "input_layer"}};
    const ScopedOrigin origin = model_origin(file);  // the model's build_input_shape
    ConfigReader r(input, file, "input", "InputLayer");
    x = input_from_keras(r);
  }
  std::vector<SequentialItem> items{x};
  for (; i < layers->size(); ++i) {
    const Item it = read_item((*layers)[i], i, file);
    ConfigReader r(*it.config, file, it.name, it.cls);
    if (it.cls == "InputLayer")
      bad_json(file, "layer " + std::to_string(i) + " of the Sequential model",
               "an InputLayer only as the first layer", &(*layers)[i]["class_name"]);
    const ScopedOrigin origin = layer_origin(it.name, file);
    Layer layer = layer_from_keras(it.cls, r, init);
    LayerRecord rec{layer.name(), it.cls, {out.layers.empty() ? x.name() : out.layers.back().name},
                    std::nullopt};
    if (!out.failure) {
      try {
        x = layer(x, std::source_location{});  // no line of the user's
        rec.output_shape = x.shape();
      } catch (const ContractError& e) {
        out.failure = e;
        out.failing_layer = layer.name();
      }
    }
    out.layers.push_back(std::move(rec));
    items.emplace_back(layer);
  }
  if (out.failure) return out;
  try {
    const ScopedOrigin origin = model_origin(file);
    out.model.emplace(Sequential(std::move(items), config.value("name", std::string("sequential")),
                                 std::source_location{}));
  } catch (const ContractError& e) {
    out.failure = e;
  }
  return out;
}

}  // namespace

PartialBuild build_from_keras(const Json& root, const std::string& file, bool init) {
  if (!root.is_object()) bad_json(file, "the model", "a JSON object", &root);
  const Json cls = root.value("class_name", Json());
  const Json* config = root.contains("config") ? &root["config"] : nullptr;
  if (!config || !config->is_object()) bad_json(file, "the model's config", "an object", config);
  ConfigReader r(*config, file, config->value("name", Json("model")).is_string()
                                    ? config->value("name", std::string("model")) : "model",
                 cls.is_string() ? cls.get<std::string>() : "?", "the model");
  r.common();  // name, trainable, dtype policy
  r.ignore("layers");
  PartialBuild out;
  if (cls == "Sequential") {
    r.ignore("build_input_shape");
    r.finish();
    out = sequential(*config, file, init);
  } else {
    if (cls != "Functional" && cls != "Model")
      r.unsupported("class_name", cls, "Functional or Sequential");
    r.ignore("input_layers");
    r.ignore("output_layers");
    r.finish();
    out = Graph(*config, file, init).build(*config);
  }
  // Keras's model.trainable = False freezes every layer (its setter sets each layer's flag).
  if (out.model && !r.trainable())
    for (const Layer& l : out.model->layers()) l.set_trainable(false);
  return out;
}

}  // namespace tenet::data::keras_detail
