#pragma once
// Keras 3 model files: `.keras` archives (a zip of config.json, metadata.json and
// model.weights.h5) and the architecture alone as Keras JSON (the form of model.to_json()).
//
// Every layer tenet has is read and written with its options. Anything tenet cannot represent
// exactly (a layer it lacks, an option or value it does not implement, a dtype policy other
// than float32) is refused with model.unsupported naming the layer, the option and the value;
// nothing is approximated. Malformed files (not a zip, zip bombs, absurd JSON, a graph with a
// cycle) raise data.format. Layers are numbered in Keras's order (see docs/keras.md).
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/training/model.hpp>

namespace tenet::keras {

// The largest model tenet reads from a Keras file by default: 2^28 parameters (1 GiB of
// float32; VGG16 holds 138 million). The kernels of Dense and Conv2D layers are counted as the
// model is built, before each is allocated, and a file beyond the limit is refused with
// model.unsupported naming the limit, the count and the layer. The number of layers is
// bounded too (100000, data.format).
inline constexpr std::int64_t kMaxParameters = std::int64_t{1} << 28;

struct LoadOptions {
  std::int64_t max_parameters = kMaxParameters;  // raise it for a larger model you trust
};

// A `.keras` archive (model with its weights, and its compile config when present) or a Keras
// JSON architecture (fresh weights), told apart by content, not by extension.
// `loc`: the user's line of this call, named by errors beside the file and layer ("called at").
Model load_model(const std::string& path, LoadOptions options = {},
                 std::source_location loc = std::source_location::current());
// `path` ending in `.keras`: the archive (config, metadata, weights, compile config when the
// model is compiled), written atomically. `path` ending in `.json`: the architecture alone.
// A compile metric Keras has no equivalent of (Metric::precision, recall or f1_score with
// class-index labels or real targets) is left out of the compile config: each such case is
// printed to stderr ("tenet: save_model(path): ...") and returned; the rest is saved.
std::vector<std::string> save_model(const Model& model, const std::string& path);

// The architecture as Keras JSON (model.to_json()), and back (fresh weights).
std::string model_to_json(const Model& model);
Model model_from_json(const std::string& json, LoadOptions options = {},
                      std::source_location loc = std::source_location::current());

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
PartialBuild build_partial(const std::string& path, LoadOptions options = {},
                           std::source_location loc = std::source_location::current());

}  // namespace tenet::keras
