// tenet layers -> Keras layer configs, with the values Keras 3 writes for every option tenet
// does not have (data/keras_json.hpp).
#include <map>

#include <tenet/core/contracts/checks.hpp>
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

Json module_object(const char* module, const std::string& class_name, Json config) {
  return {{"module", module}, {"class_name", class_name}, {"config", std::move(config)},
          {"registered_name", nullptr}};
}

Json initializer(const std::string& class_name, std::uint64_t seed) {
  Json cfg = Json::object();
  if (class_name == "GlorotUniform") cfg["seed"] = seed ? Json(seed) : Json(nullptr);
  return module_object("keras.initializers", class_name, std::move(cfg));
}

// The augmentation layers (RandomFlip, RandomCrop, ...): image layers with a seed.
bool augmentation(const std::string& cls) { return cls.rfind("Random", 0) == 0; }

// Layers whose seed is a key of their own config (not of an initializer's).
bool seeded_top_level(const std::string& cls) { return cls == "Dropout" || augmentation(cls); }

Json option_value(const LayerOption& o) {
  return std::visit([](const auto& v) { return Json(v); }, o.value);
}

// The keys Keras writes that tenet's layers fix to one value.
void add_fixed(const std::string& cls, Json& c, std::uint64_t seed) {
  const Json null = nullptr;
  if (cls == "Conv2D" || cls == "Dense") {
    c["kernel_initializer"] = initializer("GlorotUniform", seed);
    c["bias_initializer"] = initializer("Zeros", 0);
    for (const char* k : {"kernel_regularizer", "bias_regularizer", "activity_regularizer",
                          "kernel_constraint", "bias_constraint"})
      c[k] = null;
  }
  if (cls == "Conv2D") c["groups"] = 1;
  if (cls == "BatchNormalization") {
    c["axis"] = -1;
    c["center"] = true;
    c["scale"] = true;
    c["beta_initializer"] = initializer("Zeros", 0);
    c["gamma_initializer"] = initializer("Ones", 0);
    c["moving_mean_initializer"] = initializer("Zeros", 0);
    c["moving_variance_initializer"] = initializer("Ones", 0);
    c["synchronized"] = false;
  }
  if (cls == "Resizing") {
    c["interpolation"] = "bilinear";
    c["crop_to_aspect_ratio"] = false;
    c["pad_to_aspect_ratio"] = false;
  }
  if (cls == "ReLU") {
    c["max_value"] = null;
    c["negative_slope"] = 0.0;
    c["threshold"] = 0.0;
  }
  if (cls == "Dropout") c["noise_shape"] = null;
  if (cls == "RandomZoom" && !c.contains("width_factor")) c["width_factor"] = null;
  if (cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling2D") c["keepdims"] = false;
  if (cls == "Conv2D" || cls == "MaxPooling2D" || cls == "Flatten" || cls == "Resizing" ||
      cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling2D" || augmentation(cls))
    c["data_format"] = "channels_last";
}

}  // namespace

Json float32_policy() {
  return module_object("keras", "DTypePolicy", {{"name", "float32"}});
}

std::optional<DType> dtype_from_keras(const std::string& name) {
  for (DType t : {DType::f32, DType::f64, DType::u8, DType::i32, DType::i64})
    if (dtype_name(t) == name) return t;  // tenet's dtype names are NumPy's, as Keras's
  return std::nullopt;
}

Json layer_to_keras(const LayerImpl& layer) {
  static const std::map<std::string, std::string> renamed = {
      {"BatchNorm", "BatchNormalization"}, {"MaxPool2D", "MaxPooling2D"}};
  static const std::set<std::string> keras_classes = {
      "Conv2D", "Dense", "BatchNormalization", "MaxPooling2D", "GlobalAveragePooling2D",
      "GlobalMaxPooling2D", "Flatten", "Concatenate", "Add", "Multiply", "Softmax",
      "Activation", "ReLU", "Dropout", "Rescaling", "Resizing", "Reshape", "RandomFlip",
      "RandomCrop", "RandomTranslation", "RandomZoom", "RandomRotation"};
  auto r = renamed.find(layer.type());
  const std::string cls = r == renamed.end() ? layer.type() : r->second;
  if (!keras_classes.count(cls)) checks::model_not_keras(layer.name(), layer.type());
  Json c = {{"name", layer.name()}, {"trainable", layer.is_trainable()}, {"dtype", float32_policy()}};
  std::uint64_t seed = 0;
  for (const LayerOption& o : layer.options()) {
    if (o.key != "seed") {
      c[o.key] = option_value(o);
      continue;
    }
    // A seed the user chose (small) is kept; one drawn from tenet's sequence (a 64-bit hash)
    // is written as null, as Keras writes an unseeded layer: Keras seeds are 32-bit.
    const auto s = static_cast<std::uint64_t>(std::get<std::int64_t>(o.value));
    const std::uint64_t kept = s < (std::uint64_t{1} << 31) ? s : 0;
    if (seeded_top_level(cls)) c["seed"] = kept ? Json(kept) : Json(nullptr);
    else seed = kept;
  }
  add_fixed(cls, c, seed);
  return module_object("keras.layers", cls, std::move(c));
}

}  // namespace tenet::data::keras_detail
