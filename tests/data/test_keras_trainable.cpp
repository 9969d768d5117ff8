// Suite "data": a frozen layer in Keras files (data/keras_config.cpp, keras_layer_write.cpp,
// keras_model_read.cpp): its "trainable": false is written to config.json and read back;
// the weights layout does not change.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;
using Json = nlohmann::json;

namespace {
// The "trainable" of the layer named `name` in a model's config.json text.
bool trainable_in(const std::string& json, const std::string& name) {
  const Json model = Json::parse(json);
  for (const Json& l : model["config"]["layers"])
    if (l["config"]["name"] == name) return l["config"]["trainable"].get<bool>();
  FAIL("no layer named " << name);
  return true;
}
}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras trainable: a frozen layer is saved and loaded frozen, weights unchanged") {
  testing::TempDir dir;
  auto in = Input({4});
  Dense a(3, {.seed = 1, .name = "frozen"}), b(2, {.seed = 2, .name = "free"});
  Model m(in, b(a(in)), "frozen_net");
  a.set_trainable(false);
  const std::string json = keras::model_to_json(m);
  CHECK_FALSE(trainable_in(json, "frozen"));
  CHECK(trainable_in(json, "free"));
  keras::save_model(m, dir.file("m.keras"));
  Model back = keras::load_model(dir.file("m.keras"));
  CHECK_FALSE(back.get_layer("frozen").trainable());
  CHECK(back.get_layer("free").trainable());
  CHECK(bitwise_equal(back.weights(), m.weights()));
  CHECK(back.trainable_weights().size() == 2);
}

TEST_CASE("keras trainable: a model saved with trainable false freezes every layer") {
  auto in = Input({4});
  Model m(in, Dense(2, {.seed = 1, .name = "d"})(in), "net");
  Json config = Json::parse(keras::model_to_json(m));
  config["config"]["trainable"] = false;  // the model's flag; the layer's stays true
  testing::TempDir dir;
  { std::ofstream(dir.file("m.json")) << config.dump(); }
  Model back = keras::load_model(dir.file("m.json"));
  CHECK_FALSE(back.get_layer("d").trainable());
  CHECK(back.trainable_weights().empty());
}

}  // TEST_SUITE
