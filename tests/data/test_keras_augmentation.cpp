// The augmentation layers in Keras files: a Keras-written .keras with all five layers loads with
// their seeds and options (tests/fixtures/augmentation/layers.keras, written by
// scripts/make_augmentation_fixtures.py), survives a round trip, and what tenet cannot
// represent is refused as model.unsupported.
#include <doctest/doctest.h>

#include <string>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;

namespace {

std::string fixture() {
  return std::string(TENET_SOURCE_DIR) + "/tests/fixtures/augmentation/layers.keras";
}

// A layer's option by its Keras config name (fails the test when absent).
decltype(LayerOption::value) option(const Model& m, const std::string& layer, const std::string& key) {
  for (const LayerOption& o : m.get_layer(layer).impl()->options())
    if (o.key == key) return o.value;
  FAIL("no option " << key << " in " << layer);
  return {};
}

void check_options(const Model& m) {
  using V = decltype(LayerOption::value);
  CHECK(option(m, "flip", "mode") == V(std::string("horizontal")));
  CHECK(option(m, "flip", "seed") == V(std::int64_t{11}));
  CHECK(option(m, "shift", "height_factor") == V(0.1));
  CHECK(option(m, "shift", "width_factor") == V(std::vector<double>{-0.2, 0.1}));
  CHECK(option(m, "shift", "fill_mode") == V(std::string("constant")));
  CHECK(option(m, "shift", "fill_value") == V(0.25));
  CHECK(option(m, "zoom", "width_factor") == V(0.15));
  CHECK(option(m, "zoom", "interpolation") == V(std::string("nearest")));
  CHECK(option(m, "zoom", "seed") == V(std::int64_t{13}));
  CHECK(option(m, "turn", "factor") == V(std::vector<double>{-0.05, 0.05}));
  CHECK(option(m, "turn", "fill_mode") == V(std::string("wrap")));
  CHECK(option(m, "crop", "height") == V(std::int64_t{24}));
  CHECK(option(m, "crop", "seed") == V(std::int64_t{15}));
}

// Input (8, 8, 1) -> one layer of class `cls` with `config`.
std::string one_layer(const std::string& cls, const std::string& config) {
  return R"({"class_name": "Functional", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 8, 8, 1], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
    {"class_name": ")" + cls + R"(", "name": "l", "config": )" + config + R"(, "inbound_nodes": [
      {"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 8, 8, 1], "dtype": "float32", "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
    "input_layers": [["x", 0, 0]], "output_layers": [["l", 0, 0]]}})";
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras augmentation: a Keras-written model loads with every layer's seed and options") {
  Model m = keras::load_model(fixture());
  check_options(m);
  CHECK(m.get_layer("zoom").type() == "RandomZoom");
  Tensor y = m.predict(Tensor::uniform({2, 28, 28, 1}, 3));
  CHECK(y.shape() == Shape{2, 3});
}

TEST_CASE("keras augmentation: save_model and load_model keep the options and seeds") {
  testing::TempDir dir;
  Model m = keras::load_model(fixture());
  keras::save_model(m, dir.file("again.keras"));
  Model back = keras::load_model(dir.file("again.keras"));
  check_options(back);
  const std::string json = keras::model_to_json(back);
  CHECK(has(json, R"("width_factor":null)") == false);  // zoom has its own width_factor
  Model only_height = keras::model_from_json(one_layer("RandomZoom", R"({"name": "l", "height_factor": 0.2, "seed": 3})"));
  CHECK(has(keras::model_to_json(only_height), R"("width_factor":null)"));
}

TEST_CASE("keras augmentation: options tenet cannot represent are refused by name") {
  struct Case { const char* cls; const char* config; const char* key; };
  const Case cases[] = {
      {"RandomFlip", R"({"name": "l", "data_format": "channels_first"})", "data_format"},
      {"RandomFlip", R"({"name": "l", "mode": "diagonal"})", "mode"},
      {"RandomRotation", R"({"name": "l", "factor": 0.1, "fill_mode": "mirror"})", "fill_mode"},
      {"RandomZoom", R"({"name": "l", "height_factor": 0.1, "interpolation": "bicubic"})", "interpolation"},
      {"RandomCrop", R"({"name": "l", "height": 4, "width": 4, "bounding_box_format": "xyxy"})", "bounding_box_format"},
  };
  for (const Case& c : cases) {
    INFO(c.cls << " " << c.config);
    auto e = capture([&] { (void)keras::model_from_json(one_layer(c.cls, c.config)); });
    CHECK(e.code() == "model.unsupported");
    CHECK(has(e, c.key));
  }
  auto e = capture([] { (void)keras::model_from_json(one_layer("RandomTranslation", R"({"name": "l", "height_factor": [0.1], "width_factor": 0.1})")); });
  CHECK(has(e, "height_factor"));
}

}  // TEST_SUITE
