// tenet::keras::save_model / model_to_json and back: archives and JSON written by tenet load
// in tenet with the same predictions, names, options and compile config; a failed save leaves
// the user's file as it was.
#include <doctest/doctest.h>

#include <fstream>

#include "support/keras_fixtures.hpp"
#include "core/training/model_state.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;
namespace kf = tenet::keras_fixtures;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A layer Keras does not have.
class TwiceImpl : public LayerImpl {
 public:
  TwiceImpl() : LayerImpl("Twice", "twice", "twice", std::source_location::current()) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0] * 2.0f; }
};

}  // namespace

TEST_CASE("keras roundtrip: a Keras archive saved by tenet loads with the same predictions") {
  testing::TempDir dir;
  for (const char* name : {"all_layers", "branch_multi", "sequential"}) {
    const std::string shown = name;
    CAPTURE(shown);
    Model a = keras::load_model(kf::path(std::string(name) + ".keras"));
    const std::string file = dir.file(std::string(name) + ".keras");
    keras::save_model(a, file);
    Model b = keras::load_model(file);
    const kf::IO io = kf::io(name);
    CHECK(kf::max_diff(b.predict(io.x), io.pred) < 1e-5);
    CHECK(tenet::model_state(b)->sequential == tenet::model_state(a)->sequential);
    CHECK(b.optimizer().impl()->name() == a.optimizer().impl()->name());
    CHECK(b.optimizer().impl()->iterations() == a.optimizer().impl()->iterations());
    CHECK(keras::model_to_json(b) == keras::model_to_json(a));
  }
}

TEST_CASE("keras roundtrip: every layer and option of tenet survives JSON") {
  auto x = Input({8, 8, 3}, {.name = "img"});
  auto v = Input({5}, {.name = "vec"});
  auto h = Rescaling(0.5, 0.25)(x);
  h = Resizing(6, 6)(h);
  h = Conv2D(4, {3, 2}, {.strides = {2, 1}, .padding = Padding::same, .dilation = {1, 1},
                         .use_bias = false, .activation = Activation::relu, .seed = 9})(h);
  h = BatchNorm({.momentum = 0.8, .epsilon = 1e-2})(h);
  h = ReLU()(h);
  h = MaxPool2D({2, 2}, {.strides = {1, 1}, .padding = Padding::same})(h);
  auto g = Add()({GlobalAveragePooling2D()(h), GlobalMaxPooling2D()(h)});
  auto f = Flatten()(Reshape({-1, 4})(h));
  auto d = Dense(4, {.activation = Activation::relu, .use_bias = false})(v);
  auto z = Concatenate(-1)({Multiply()({g, d}), f});
  z = Dropout(0.3)(z);
  z = ActivationLayer(Activation::softmax)(Dense(3)(z));
  Model m({x, v}, Softmax(-1)(z), "every_layer");
  m.compile({.optimizer = SGD({.learning_rate = 0.1, .momentum = 0.5, .nesterov = true}),
             .loss = CategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
  const std::string json = keras::model_to_json(m);
  Model back = keras::model_from_json(json);
  CHECK(keras::model_to_json(back) == json);
  CHECK(back.count_params() == m.count_params());
  CHECK(back.summary_text() == m.summary_text());
  CHECK(tenet::model_state(back)->compiled.loss.impl()->from_logits());
  CHECK(has(json, R"("class_name":"Conv2D")"));
  CHECK(has(json, R"("dilation_rate":[1,1])"));
  CHECK(has(json, R"("kernel_size":[3,2])"));
  CHECK(has(json, R"("nesterov":true)"));
}

TEST_CASE("keras roundtrip: save_model writes .json by extension and refuses others") {
  testing::TempDir dir;
  Model m = keras::load_model(kf::path("sequential.keras"));
  keras::save_model(m, dir.file("m.json"));
  CHECK(slurp(dir.file("m.json")) == keras::model_to_json(m));
  CHECK(keras::load_model(dir.file("m.json")).count_params() == m.count_params());
  auto e = capture([&] { keras::save_model(m, dir.file("m.h5")); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "a name ending in .keras or .json"));
}

TEST_CASE("keras roundtrip: a model Keras could not load is refused and the file kept") {
  testing::TempDir dir;
  const std::string file = dir.file("keep.keras");
  std::ofstream(file) << "the user's file";
  auto x = Input({3});
  Model m(x, Layer(std::make_shared<TwiceImpl>())(x), "custom");
  auto e = capture([&] { keras::save_model(m, file); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "layer 'twice' (Twice) has no Keras class"));
  CHECK(slurp(file) == "the user's file");
}
