// Keras layer configs <-> tenet layers: every option tenet has, every other option refused
// unless it holds the value that means "off" (data/keras_json.hpp).
#include <map>
#include <set>

#include <tenet/layers/activation.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 31;  // a filter count, a kernel side, ...
const Json kNull = nullptr;

// Keys whose only value tenet represents is null (or absent): regularizers, constraints, ...
void only_null(ConfigReader& r, std::initializer_list<const char*> keys) {
  for (const char* k : keys) r.only(k, {kNull});
}

Activation activation(ConfigReader& r, bool softmax_ok) {
  const Json* v = r.get("activation");
  if (!v || v->is_null() || *v == "linear") return Activation::none;
  if (*v == "relu") return Activation::relu;
  if (*v == "softmax" && softmax_ok) return Activation::softmax;
  r.unsupported("activation", *v, softmax_ok ? "\"linear\", \"relu\" or \"softmax\""
                                             : "\"linear\" or \"relu\"");
}

Padding padding(ConfigReader& r) {
  const std::string p = r.text("padding", "valid");
  if (p != "valid" && p != "same") r.unsupported("padding", p, "\"valid\" or \"same\"");
  return p == "same" ? Padding::same : Padding::valid;
}

void channels_last(ConfigReader& r) { r.only("data_format", {"channels_last", kNull}); }

// An initializer: {"class_name": "GlorotUniform", "config": {"seed": 3}} (Keras 3) or a name.
// Returns the seed (0: none). Only tenet's own initializer is accepted when it matters.
std::uint64_t initializer(ConfigReader& r, const std::string& key, const std::string& tenet_class,
                          bool matters) {
  const Json* v = r.get(key);
  if (!v || !matters) return 0;
  const Json* cls = v->is_object() && v->contains("class_name") ? &(*v)["class_name"] : v;
  const Json* cfg = v->is_object() && v->contains("config") ? &(*v)["config"] : nullptr;
  if (!cls->is_string() || (cls->get<std::string>() != tenet_class))
    r.unsupported(key, *v, tenet_class + " (the weights are not in the file, and tenet "
                           "initialises with " + tenet_class + " only)");
  if (cfg && cfg->is_object() && cfg->contains("seed") && (*cfg)["seed"].is_number_unsigned())
    return (*cfg)["seed"].get<std::uint64_t>();
  return 0;
}

using Builder = Layer (*)(ConfigReader&, const std::string&, bool);

Layer conv2d(ConfigReader& r, const std::string& name, bool init) {
  Conv2DOptions o;
  o.name = name;
  const std::int64_t filters = r.integer("filters", 0, 1, kMaxSize);
  const auto k = r.pair("kernel_size", {0, 0}, 1, kMaxSize);
  o.strides = r.pair("strides", {1, 1}, 1, kMaxSize);
  o.padding = padding(r);
  channels_last(r);
  o.dilation = r.pair("dilation_rate", {1, 1}, 1, kMaxSize);
  r.only("groups", {1});
  o.activation = activation(r, false);
  o.use_bias = r.boolean("use_bias", true);
  o.seed = initializer(r, "kernel_initializer", "GlorotUniform", init);
  (void)initializer(r, "bias_initializer", "Zeros", init);
  only_null(r, {"kernel_regularizer", "bias_regularizer", "activity_regularizer",
                "kernel_constraint", "bias_constraint", "lora_rank"});
  if (!r.get("filters") || !r.get("kernel_size"))
    r.wrong_type(r.get("filters") ? "kernel_size" : "filters", "an integer");
  return Conv2D(filters, k, o);
}

Layer dense(ConfigReader& r, const std::string& name, bool init) {
  DenseOptions o;
  o.name = name;
  const std::int64_t units = r.integer("units", 0, 1, kMaxSize);
  if (!r.get("units")) r.wrong_type("units", "an integer");
  o.activation = activation(r, true);
  o.use_bias = r.boolean("use_bias", true);
  o.seed = initializer(r, "kernel_initializer", "GlorotUniform", init);
  (void)initializer(r, "bias_initializer", "Zeros", init);
  only_null(r, {"kernel_regularizer", "bias_regularizer", "activity_regularizer",
                "kernel_constraint", "bias_constraint", "quantization_config", "lora_rank"});
  r.ignore("lora_alpha");  // used only with lora_rank, which is null here
  return Dense(units, o);
}

Layer batch_norm(ConfigReader& r, const std::string& name, bool init) {
  BatchNormOptions o;
  o.name = name;
  r.only("axis", {-1, Json::array({-1})});
  o.momentum = r.number("momentum", 0.99);
  o.epsilon = r.number("epsilon", 1e-3);
  r.only("center", {true});
  r.only("scale", {true});
  (void)initializer(r, "beta_initializer", "Zeros", init);
  (void)initializer(r, "gamma_initializer", "Ones", init);
  (void)initializer(r, "moving_mean_initializer", "Zeros", init);
  (void)initializer(r, "moving_variance_initializer", "Ones", init);
  only_null(r, {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
                "renorm_clipping"});
  r.only("synchronized", {false});
  r.only("renorm", {false});
  r.ignore("renorm_momentum");  // used only with renorm, which is false here
  return BatchNorm(o);
}

Layer max_pool(ConfigReader& r, const std::string& name, bool) {
  MaxPool2DOptions o;
  o.name = name;
  const auto pool = r.pair("pool_size", {2, 2}, 1, kMaxSize);
  const Json* s = r.get("strides");
  o.strides = s && !s->is_null() ? r.pair("strides", pool, 1, kMaxSize) : pool;
  o.padding = padding(r);
  channels_last(r);
  return MaxPool2D(pool, o);
}

Layer global_pool(ConfigReader& r, const std::string& name, bool average) {
  channels_last(r);
  r.only("keepdims", {false});
  if (average) return GlobalAveragePooling2D({.name = name});
  return GlobalMaxPooling2D({.name = name});
}

int axis(ConfigReader& r, std::int64_t fallback) {
  return static_cast<int>(r.integer("axis", fallback, -64, 64));
}

Layer resizing(ConfigReader& r, const std::string& name, bool) {
  const std::int64_t h = r.integer("height", 0, 1, kMaxSize);
  const std::int64_t w = r.integer("width", 0, 1, kMaxSize);
  if (!r.get("height") || !r.get("width")) r.wrong_type("height", "an integer");
  r.only("interpolation", {"bilinear"});
  r.only("crop_to_aspect_ratio", {false});
  r.only("pad_to_aspect_ratio", {false});
  r.only("antialias", {false});
  r.ignore("fill_mode");   // used only with pad_to_aspect_ratio, which is false here
  r.ignore("fill_value");
  channels_last(r);
  return Resizing(h, w, {.name = name});
}

Layer reshape(ConfigReader& r, const std::string& name, bool) {
  const Json* t = r.get("target_shape");
  if (!t || !t->is_array() || t->size() > 8) r.wrong_type("target_shape", "a list of integers");
  std::vector<std::int64_t> dims;
  for (const Json& d : *t) {
    if (!d.is_number_integer()) r.wrong_type("target_shape", "a list of integers");
    if (d.is_number_unsigned() && d.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxSize))
      r.unsupported("target_shape", *t, "sizes up to 2^31");
    dims.push_back(d.get<std::int64_t>());
  }
  return Reshape(Shape(std::move(dims)), {.name = name});
}

Layer relu(ConfigReader& r, const std::string& name, bool) {
  r.only("max_value", {kNull});
  r.only("negative_slope", {0, 0.0});
  r.only("threshold", {0, 0.0});
  return ReLU({.name = name});
}

Layer dropout(ConfigReader& r, const std::string& name, bool) {
  const double rate = r.number("rate", 0.0);
  if (!r.get("rate")) r.wrong_type("rate", "a number");
  r.only("noise_shape", {kNull});
  return Dropout(rate, {.seed = seed_from_keras(r), .name = name});
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"Conv2D", conv2d},
      {"Dense", dense},
      {"BatchNormalization", batch_norm},
      {"MaxPooling2D", max_pool},
      {"GlobalAveragePooling2D", [](ConfigReader& r, const std::string& n, bool) { return global_pool(r, n, true); }},
      {"GlobalMaxPooling2D", [](ConfigReader& r, const std::string& n, bool) { return global_pool(r, n, false); }},
      {"Flatten", [](ConfigReader& r, const std::string& n, bool) -> Layer { channels_last(r); return Flatten({.name = n}); }},
      {"Concatenate", [](ConfigReader& r, const std::string& n, bool) -> Layer { return Concatenate(axis(r, -1), {.name = n}); }},
      {"Add", [](ConfigReader&, const std::string& n, bool) -> Layer { return Add({.name = n}); }},
      {"Multiply", [](ConfigReader&, const std::string& n, bool) -> Layer { return Multiply({.name = n}); }},
      {"Softmax", [](ConfigReader& r, const std::string& n, bool) -> Layer { return Softmax(axis(r, -1), {.name = n}); }},
      {"Activation", [](ConfigReader& r, const std::string& n, bool) -> Layer { return ActivationLayer(activation(r, true), {.name = n}); }},
      {"ReLU", relu},
      {"Dropout", dropout},
      {"Rescaling", [](ConfigReader& r, const std::string& n, bool) -> Layer {
         const double scale = r.number("scale", 1.0);
         return Rescaling(scale, r.number("offset", 0.0), {.name = n}); }},
      {"Resizing", resizing},
      {"Reshape", reshape},
  };
  return table;
}

}  // namespace

Layer layer_from_keras(const std::string& class_name, ConfigReader& r, bool initializers_matter) {
  const auto& table = builders();
  const auto& augmentation = augmentation_builders();
  auto it = table.find(class_name);
  auto aug = augmentation.find(class_name);
  if (it == table.end() && aug == augmentation.end()) {
    std::set<std::string> all;
    for (const auto& [n, b] : table) all.insert(n);
    for (const auto& [n, b] : augmentation) all.insert(n);
    std::string names;
    for (const auto& n : all) names += (names.empty() ? "" : ", ") + n;
    r.unsupported("class_name", class_name, "InputLayer, " + names);
  }
  const std::string name = r.common();
  Layer layer = it != table.end() ? it->second(r, name, initializers_matter)
                                  : aug->second(r, name);
  layer.set_trainable(r.trainable());  // Keras's layer.trainable, written by keras_layer_write
  r.finish();
  return layer;
}

}  // namespace tenet::data::keras_detail
