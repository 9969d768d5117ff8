#pragma once
// Keras JSON, internal to data/keras*.cpp: parsing with limits, a strict reader of one layer's
// config, and the conversions between tenet layers, models and compile options and Keras's
// config objects. nlohmann::json never leaves data/ (data/keras.hpp is the public face).
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tenet/core/training/model.hpp>
#include <tenet/data/keras.hpp>

namespace tenet::data::keras_detail {

using Json = nlohmann::json;
using tenet::keras::LayerRecord;
using tenet::keras::PartialBuild;

// Limits on what a model file may declare; beyond them it is refused with data.format.
inline constexpr std::size_t kMaxJsonBytes = 16u << 20;  // config.json / a .json architecture
inline constexpr int kMaxJsonDepth = 64;                 // Keras nests about 8 levels deep
inline constexpr std::size_t kMaxLayers = 100000;
inline constexpr std::size_t kMaxNodesPerLayer = 1000;   // calls of one shared layer
inline constexpr std::size_t kMaxLayerInputs = 1000;     // inputs of one Concatenate or Add

// Parses `text`; data.format naming `file` when it is not JSON, nests deeper than
// kMaxJsonDepth or exceeds kMaxJsonBytes.
Json parse_json(const std::string& text, const std::string& file);
// data.format naming `file`: "<what>: expected <expected>, found <JSON text, shortened>".
[[noreturn]] void bad_json(const std::string& file, const std::string& what,
                           const std::string& expected, const Json* found);
// data.format naming `file` unless `name` (a layer's or model's name, `what`) is a non-empty
// string without '/' (Keras refuses it) or control characters (they would forge message lines).
void check_name(const Json& name, const std::string& file, const std::string& what);
// A JSON value shortened for messages: `"relu"`, `{"class_name": "HeNormal", ...}`.
std::string json_text(const Json& value);

// One layer's (or the model's, or the optimizer's) config, read strictly: every key is read
// at most once, with Keras's default when it is absent, and finish() refuses any key left
// unread with model.unsupported (an option tenet lacks). Wrong JSON types raise data.format.
class ConfigReader {
 public:
  // `layer` and `class_name` name what the config belongs to; `kind` is "layer" for a layer
  // (the subject of errors is then "layer 'conv2d' (Conv2D)"), else e.g. "the optimizer".
  ConfigReader(const Json& config, std::string file, std::string layer, std::string class_name,
               std::string kind = "layer");
  const std::string& layer() const { return layer_; }
  const Json* get(const std::string& key);  // nullptr when absent; marks the key read
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);
  // An int or a list of two ints ("kernel_size": 3 or [3, 3]).
  std::array<std::int64_t, 2> pair(const std::string& key, std::array<std::int64_t, 2> fallback,
                                   std::int64_t lo, std::int64_t hi);
  double number(const std::string& key, double fallback);  // finite
  bool boolean(const std::string& key, bool fallback);
  std::string text(const std::string& key, const std::string& fallback);
  // The key is absent or holds one of `accepted` (compared as JSON); else model.unsupported.
  void only(const std::string& key, std::initializer_list<Json> accepted);
  // A value tenet accepts whatever it is (a setting without effect on the model).
  void ignore(const std::string& key) { (void)get(key); }
  // The config's name (check_name), or "" when it has none.
  std::string name();
  // The layer's name, trainable (read into trainable()) and dtype policy (float32 only).
  std::string common();
  bool trainable() const { return trainable_; }
  void finish() const;
  [[noreturn]] void unsupported(const std::string& key, const Json& value,
                                const std::string& supported) const;
  [[noreturn]] void wrong_type(const std::string& key, const std::string& expected) const;

 private:
  const Json& config_;
  std::string file_, layer_, class_, kind_;
  std::set<std::string> read_;
  bool trainable_ = true;
};

// ---- layers (keras_layers.cpp) ----
// Builds the tenet layer for a Keras layer entry's class and config. `initializers_matter`:
// false when the file brings the weights (a .keras archive), where they are never used.
Layer layer_from_keras(const std::string& class_name, ConfigReader& r, bool initializers_matter);
// {"module", "class_name", "config", "registered_name"} of a tenet layer (not InputLayer).
Json layer_to_keras(const LayerImpl& layer);
// The dtype of a Keras Input ("float32", "uint8", ... as dtype_name writes them), or nullopt.
std::optional<DType> dtype_from_keras(const std::string& name);
// The float32 dtype policy object Keras writes in every layer config.
Json float32_policy();

// ---- augmentation layers (keras_augmentation.cpp) ----
// A layer's "seed": null (0: the session's sequence) or an integer >= 0.
std::uint64_t seed_from_keras(ConfigReader& r);
// RandomFlip, RandomCrop, RandomTranslation, RandomZoom, RandomRotation by Keras class name.
const std::map<std::string, Layer (*)(ConfigReader&, const std::string&)>& augmentation_builders();

// ---- models (keras_model_read.cpp, keras_model_write.cpp) ----
// The model of a parsed config.json / JSON architecture, built as far as it goes.
PartialBuild build_from_keras(const Json& root, const std::string& file, bool initializers_matter);
// `left_out` (when given) gets a note for each compile metric Keras has no equivalent of.
Json model_to_keras(const Model& model, std::vector<std::string>* left_out = nullptr);

// ---- compile config (keras_compile.cpp) ----
// nullopt when absent, null or {} (an uncompiled model).
std::optional<CompileOptions> compile_from_keras(const Json* config, const std::string& file);
// Null when the model is not compiled; `left_out` as for model_to_keras.
Json compile_to_keras(const Model& model, std::vector<std::string>* left_out = nullptr);

// ---- learning-rate schedules (keras_schedules.cpp) ----
// The optimizer config's learning_rate: a number, or a serialised ExponentialDecay,
// PiecewiseConstantDecay or CosineDecay (others: model.unsupported); `fallback` when absent.
LearningRate learning_rate_from_keras(ConfigReader& r, double fallback, const std::string& file);
// keras.optimizers.schedules.serialize's object for one of tenet's schedules; a schedule made
// from a function is model.unsupported (`optimizer` names the optimizer in the message).
Json schedule_to_keras(const LearningRateSchedule& schedule, const std::string& optimizer);

// ---- compile metrics (keras_metrics.cpp) ----
// The compile config's "metrics" list (null: none) for a loss taking `labels`.
std::vector<Metric> metrics_from_keras(const Json* list, LabelKind labels, ConfigReader& r,
                                       const std::string& file);
// Keras's entries for `metrics`; a metric Keras has no equivalent of for this loss is left out
// and explained in `left_out`. `classes`: the output's last axis (0 when unknown).
Json metrics_to_keras(const std::vector<Metric>& metrics, const LossImpl& loss,
                      std::int64_t classes, std::vector<std::string>* left_out);

// An archive's bytes (`archive`) or JSON text, read as build_partial reads a file (for the
// fuzzer, tests/fuzz/fuzz_keras.cpp).
PartialBuild build_partial_bytes(const std::string& bytes, bool archive);

}  // namespace tenet::data::keras_detail
