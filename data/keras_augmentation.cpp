// Keras configs of the augmentation layers (RandomFlip, RandomCrop, RandomTranslation,
// RandomZoom, RandomRotation) -> tenet layers, with their seeds and every option; anything
// else (channels_first, an unknown fill mode) is refused as model.unsupported.
#include <tenet/layers/random_crop.hpp>
#include <tenet/layers/random_flip.hpp>
#include <tenet/layers/random_affine.hpp>
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 31;

// "height_factor": 0.1 or [-0.2, 0.1].
Factor factor(ConfigReader& r, const std::string& key) {
  const Json* v = r.get(key);
  if (v && v->is_number()) return Factor(v->get<double>());
  if (v && v->is_array() && v->size() == 2 && (*v)[0].is_number() && (*v)[1].is_number())
    return Factor((*v)[0].get<double>(), (*v)[1].get<double>());
  r.wrong_type(key, "a number or a list of two numbers");
}

FillMode fill_mode(ConfigReader& r) {
  const std::string m = r.text("fill_mode", "reflect");
  for (FillMode f : {FillMode::reflect, FillMode::wrap, FillMode::constant, FillMode::nearest})
    if (m == fill_mode_name(f)) return f;
  r.unsupported("fill_mode", m, "\"reflect\", \"wrap\", \"constant\" or \"nearest\"");
}

Interpolation interpolation(ConfigReader& r) {
  const std::string i = r.text("interpolation", "bilinear");
  if (i == "bilinear") return Interpolation::bilinear;
  if (i == "nearest") return Interpolation::nearest;
  r.unsupported("interpolation", i, "\"bilinear\" or \"nearest\"");
}

RandomTransformOptions transform_options(ConfigReader& r, const std::string& name) {
  r.only("data_format", {"channels_last", nullptr});
  RandomTransformOptions o;
  o.fill_mode = fill_mode(r);
  o.interpolation = interpolation(r);
  o.seed = seed_from_keras(r);
  o.fill_value = r.number("fill_value", 0.0);
  o.name = name;
  return o;
}

Layer random_flip(ConfigReader& r, const std::string& name) {
  r.only("data_format", {"channels_last", nullptr});
  const std::string m = r.text("mode", "horizontal_and_vertical");
  for (FlipMode f : {FlipMode::horizontal, FlipMode::vertical, FlipMode::horizontal_and_vertical})
    if (m == flip_mode_name(f)) return RandomFlip(f, {.seed = seed_from_keras(r), .name = name});
  r.unsupported("mode", m, "\"horizontal\", \"vertical\" or \"horizontal_and_vertical\"");
}

Layer random_crop(ConfigReader& r, const std::string& name) {
  r.only("data_format", {"channels_last", nullptr});
  const std::int64_t h = r.integer("height", 0, 1, kMaxSize);
  const std::int64_t w = r.integer("width", 0, 1, kMaxSize);
  if (!r.get("height") || !r.get("width")) r.wrong_type("height", "an integer");
  return RandomCrop(h, w, {.seed = seed_from_keras(r), .name = name});
}

Layer random_translation(ConfigReader& r, const std::string& name) {
  const Factor h = factor(r, "height_factor"), w = factor(r, "width_factor");
  return RandomTranslation(h, w, transform_options(r, name));
}

Layer random_zoom(ConfigReader& r, const std::string& name) {
  const Factor h = factor(r, "height_factor");
  const Json* w = r.get("width_factor");
  const RandomTransformOptions t = transform_options(r, name);
  RandomZoomOptions o;
  if (w && !w->is_null()) o.width_factor = factor(r, "width_factor");
  o.fill_mode = t.fill_mode;
  o.interpolation = t.interpolation;
  o.seed = t.seed;
  o.fill_value = t.fill_value;
  o.name = name;
  return RandomZoom(h, o);
}

Layer random_rotation(ConfigReader& r, const std::string& name) {
  const Factor f = factor(r, "factor");
  return RandomRotation(f, transform_options(r, name));
}

}  // namespace

std::uint64_t seed_from_keras(ConfigReader& r) {
  const Json* seed = r.get("seed");
  if (seed && seed->is_number_unsigned()) return seed->get<std::uint64_t>();
  if (seed && !seed->is_null()) r.wrong_type("seed", "null or an integer >= 0");
  return 0;
}

const std::map<std::string, Layer (*)(ConfigReader&, const std::string&)>& augmentation_builders() {
  static const std::map<std::string, Layer (*)(ConfigReader&, const std::string&)> table = {
      {"RandomFlip", random_flip},
      {"RandomCrop", random_crop},
      {"RandomTranslation", random_translation},
      {"RandomZoom", random_zoom},
      {"RandomRotation", random_rotation},
  };
  return table;
}

}  // namespace tenet::data::keras_detail
