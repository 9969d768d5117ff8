// What tenet::keras refuses: layers, options and dtype policies tenet cannot represent
// (model.unsupported naming the layer, option and value), and malformed files (data.format):
// absurd JSON, cycles, zip bombs, damaged archives, non-regular files.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>

#include "support/keras_fixtures.hpp"
#include "data/keras_json.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;
namespace kf = tenet::keras_fixtures;

namespace {

// A functional model: Input (4,) -> the given layer entry (called on the input) as output.
std::string one_layer(const std::string& cls, const std::string& config) {
  return R"({"class_name": "Functional", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
    {"class_name": ")" + cls + R"(", "name": "l", "config": )" + config + R"(, "inbound_nodes": [
      {"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
    "input_layers": [["x", 0, 0]], "output_layers": [["l", 0, 0]]}})";
}

ContractError refused(const std::string& json) {
  return capture([&] { (void)keras::model_from_json(json); });
}

}  // namespace

TEST_CASE("keras refuse: a Keras-written model with a layer tenet lacks") {
  auto e = capture([] { (void)keras::load_model(kf::path("unsupported_layer.keras")); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "LeakyReLU"));
  CHECK(has(e, "is a class tenet does not have"));
  CHECK(e.site().name == "leaky_re_lu");
}

TEST_CASE("keras refuse: a dtype policy other than float32") {
  auto e = capture([] { (void)keras::load_model(kf::path("unsupported_dtype.json")); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "layer 'dense_1' (Dense) has dtype = "));
  CHECK(has(e, "mixed_float16"));
}

TEST_CASE("keras refuse: options tenet lacks name the layer, option and value") {
  struct Case { const char* cls; const char* config; const char* option; const char* value; };
  const Case cases[] = {
      {"Dense", R"({"name": "l", "units": 3, "activation": "tanh"})", "activation", "\"tanh\""},
      {"Dense", R"({"name": "l", "units": 3, "kernel_regularizer": {"class_name": "L2"}})",
       "kernel_regularizer", "L2"},
      {"Dense", R"({"name": "l", "units": 3, "frobnicate": 1})", "frobnicate", "1"},
      {"ReLU", R"({"name": "l", "negative_slope": 0.1})", "negative_slope", "0.1"},
      {"Dropout", R"({"name": "l", "rate": 0.5, "noise_shape": [null, 1]})", "noise_shape", "[null,1]"},
      {"BatchNormalization", R"({"name": "l", "center": false})", "center", "false"},
      {"Softmax", R"({"name": "l", "axis": 900})", "axis", "900"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.option);
    auto e = refused(one_layer(c.cls, c.config));
    CHECK(e.code() == "model.unsupported");
    CHECK(has(e, std::string("layer 'l' (") + c.cls + ") has " + c.option + " = "));
    CHECK(has(e, c.value));
  }
}

TEST_CASE("keras refuse: initializers matter only without weights") {
  const std::string he = one_layer(
      "Dense", R"({"name": "l", "units": 3, "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": null}}})");
  auto e = refused(he);
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "kernel_initializer"));
  CHECK(has(e, "HeNormal"));
}

TEST_CASE("keras refuse: absurd JSON is data.format, never a crash") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string cases[] = {
      "", "not json", "[]", "{}", deep, R"({"class_name": "Functional", "config": 7})",
      R"({"class_name": "Functional", "config": {"layers": {}}})",
      one_layer("Dense", R"({"name": "l", "units": "many"})"),
      one_layer("Dense", R"({"name": "l", "units": 1e400})"),
      one_layer("Dense", R"({"name": "l", "units": 3, "use_bias": 1})"),
      R"({"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 2]}, "inbound_nodes": []},
        {"class_name": "Add", "name": "a", "config": {}, "inbound_nodes": [{"args": [[["x", 0, 0], {"class_name": "__keras_tensor__", "config": {"keras_history": ["b", 0, 0]}}]], "kwargs": {}}]},
        {"class_name": "Dense", "name": "b", "config": {"units": 2}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}], "kwargs": {}}]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]]}})"};
  for (const std::string& json : cases) {
    CAPTURE(json.substr(0, 60));
    auto e = refused(json);
    CHECK((e.code() == "data.format" || e.code() == "model.unsupported"));
  }
  CHECK(has(refused(cases[10]), "no cycle"));
}

TEST_CASE("keras refuse: a huge size is refused before anything is allocated") {
  auto e = refused(one_layer("Dense", R"({"name": "l", "units": 100000000000})"));
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "units = 100000000000"));
}

TEST_CASE("keras refuse: damaged archives and zip bombs are data.format") {
  testing::TempDir dir;
  std::ifstream in(kf::path("sequential.keras"), std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t cut : {std::size_t{10}, good.size() / 2, good.size() - 10}) {
    const std::string file = dir.file("cut.keras");
    std::ofstream(file, std::ios::binary) << good.substr(0, cut);
    auto e = capture([&] { (void)keras::load_model(file); });
    CHECK(e.code() == "data.format");
  }
  // A zip bomb: config.json of 17 MiB from 17 KiB (the limit is 16 MiB), refused unread.
  auto bomb = capture([] { (void)keras::load_model(kf::path("bomb.keras")); });
  CHECK(bomb.code() == "data.format");
  CHECK(has(bomb, "config.json declares more data than tenet reads"));
  auto e = capture([] {
    (void)data::keras_detail::build_partial_bytes(std::string("PK\x03\x04", 4), true);
  });
  CHECK(e.code() == "data.format");
}

TEST_CASE("keras refuse: a directory or FIFO is data.format and never opened") {
  testing::TempDir dir;
  auto e = capture([&] { (void)keras::load_model(dir.file("")); });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "a directory"));
  const std::string fifo = dir.file("model.keras");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto f = capture([&] { (void)keras::build_partial(fifo); });  // would block if opened
  CHECK(f.code() == "data.format");
  CHECK(has(f, "a FIFO (named pipe)"));
  CHECK_THROWS_AS((void)keras::load_model(dir.file("missing.keras")), IOError);
}

TEST_CASE("keras refuse: build_partial returns a model that does not build with its failure") {
  // Dense on (None, 4) then Conv2D: conv.rank at 'c', the layers before it have shapes.
  const std::string json = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "x"}},
    {"class_name": "Dense", "config": {"name": "d", "units": 3}},
    {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3}},
    {"class_name": "Flatten", "config": {"name": "f"}}]}})";
  testing::TempDir dir;
  const std::string file = dir.file("s.json");
  std::ofstream(file) << json;
  keras::PartialBuild p = keras::build_partial(file);
  REQUIRE(p.failure.has_value());
  CHECK(p.failure->code() == "conv.rank");
  CHECK(p.failing_layer == "c");
  CHECK(!p.model.has_value());
  REQUIRE(p.layers.size() == 4);
  CHECK(p.layers[1].output_shape == Shape{kUnknown, 3});
  CHECK(!p.layers[2].output_shape.has_value());
  CHECK(p.layers[2].inbound == std::vector<std::string>{"d"});
  auto e = capture([&] { (void)keras::load_model(file); });
  CHECK(e.code() == "conv.rank");
}

TEST_CASE("keras refuse: names with control characters or '/' are data.format, never printed raw") {
  // Old: the layer was named "d<ESC>[31m<LF>fix: evil", which coloured the terminal and forged a
  // "fix:" line in every message naming it.
  auto e = refused(one_layer("Dense", R"({"name": "d\u001b[31m\nfix: evil", "units": 2})"));
  CHECK(e.code() == "data.format");
  CHECK(has(e, "a non-empty string without '/' or control characters"));
  CHECK(std::string(e.what()).find('\x1b') == std::string::npos);
  CHECK(std::string(e.what()).find("\nfix: evil") == std::string::npos);
  e = refused(one_layer("Dense", R"({"name": "dense/kernel", "units": 2})"));  // Keras refuses '/'
  CHECK(e.code() == "data.format");
  CHECK(has(e, R"("dense/kernel")"));
  e = refused(one_layer("Dense\\u001b[2J", R"({"name": "l", "units": 2})"));  // an unknown class
  CHECK(e.code() == "model.unsupported");
  CHECK(std::string(e.what()).find('\x1b') == std::string::npos);
}

TEST_CASE("keras refuse: a weights file given to load_model is named as HDF5, not as bad JSON") {
  testing::TempDir dir;
  Sequential m({Input({4}), Dense(2)});
  m.save_weights(dir.file("model.weights.h5"));
  auto e = capture([&] { (void)keras::load_model(dir.file("model.weights.h5")); });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "the file is HDF5, not a .keras archive or Keras JSON"));  // old: "not valid JSON"
  CHECK(has(e, "call model.load_weights(path)"));
}

TEST_CASE("keras refuse: two layers of one name are named, with their positions and classes") {
  // The message showed the second layer's class as the "actual" value, not the name.
  const std::string json = R"({"class_name": "Functional", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
    {"class_name": "Dense", "name": "x", "config": {"units": 2}, "inbound_nodes": []}],
    "input_layers": [["x", 0, 0]], "output_layers": [["x", 0, 0]]}})";
  const ContractError e = refused(json);
  CHECK(e.code() == "data.format");
  CHECK(has(e, "two layers are named 'x'"));
  CHECK(e.actual() == "layer 0 (InputLayer) and layer 1 (Dense) are both named 'x'");
}
