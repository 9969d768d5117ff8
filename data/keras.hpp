#pragma once
// Keras 3 model files: `.keras` archives (a zip of config.json, metadata.json and
// model.weights.h5) and the architecture alone as Keras JSON (the form of model.to_json()).
//
// Every layer tenet has is read and written with its options. Anything tenet cannot represent
// exactly (a layer it lacks, an option or value it does not implement, a dtype policy other
// than float32) is refused with model.unsupported naming the layer, the option and the value;
// nothing is approximated. Malformed files (not a zip, zip bombs, absurd JSON, a graph with a
// cycle) raise data.format. Layers are numbered in Keras's order (see docs/keras.md).
#include <optional>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/training/model.hpp>

namespace tenet::keras {

// A `.keras` archive (model with its weights, and its compile config when present) or a Keras
// JSON architecture (fresh weights), told apart by content, not by extension.
Model load_model(const std::string& path);
// `path` ending in `.keras`: the archive (config, metadata, weights, compile config when the
// model is compiled), written atomically. `path` ending in `.json`: the architecture alone.
void save_model(const Model& model, const std::string& path);

// The architecture as Keras JSON (model.to_json()), and back (fresh weights).
std::string model_to_json(const Model& model);
Model model_from_json(const std::string& json);

// One layer of a model as the file describes it, for diagrams of models that do not build.
struct LayerRecord {
  std::string name, class_name;
  std::vector<std::string> inbound;  // names of the layers feeding it, in call order
  std::optional<Shape> output_shape;  // empty when the layer was not built
};

// The layers of a model file in Keras's order, built as far as they go. `failure` holds the
// contract error of the first layer that does not build (`failing_layer` names it); `model`
// holds the model when every layer built.
struct PartialBuild {
  std::vector<LayerRecord> layers;
  std::optional<ContractError> failure;
  std::string failing_layer;
  std::optional<Model> model;
};

// Never throws a ContractError for a model that does not build (it is returned in `failure`);
// only for a file that cannot be read (data.format, model.unsupported) and IOError.
PartialBuild build_partial(const std::string& path);

}  // namespace tenet::keras
