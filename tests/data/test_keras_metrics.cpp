// The compile metrics in Keras files (data/keras_metrics.cpp): precision, recall and F1 are
// written as Keras's Precision / Recall (class_id, top_k=1) and F1Score(average="macro") with
// one-hot labels and read back, Keras's own file of them gives Keras's values in tenet, and
// where Keras has no equivalent the model is saved without the metric, with a note.
#include <doctest/doctest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "support/keras_fixtures.hpp"
#include "core/training/model_state.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;
namespace kf = tenet::keras_fixtures;

namespace {

const std::vector<Metric> kClassMetrics = {Metric::accuracy, Metric::precision, Metric::recall,
                                           Metric::f1_score, Metric::top_k_accuracy(2)};

Model classifier(Loss loss) {
  auto x = Input({4});
  Model m(x, Dense(3, {.activation = Activation::softmax, .seed = 3})(x), "classes");
  m.compile({.optimizer = Adam(), .loss = std::move(loss), .metrics = kClassMetrics});
  return m;
}

// The compile config of the model's Keras JSON (an archive keeps weights, not initializer seeds).
std::string compile_config(const Model& m) {
  return nlohmann::json::parse(keras::model_to_json(m))["compile_config"].dump();
}

const std::vector<Metric>& compiled_metrics(const Model& m) {
  return model_state(m)->compiled.metrics;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras metrics: precision, recall and F1 with one-hot labels are saved as Keras's and read back") {
  testing::TempDir dir;
  Model m = classifier(CategoricalCrossentropy());
  const std::string file = dir.file("m.keras");
  CHECK(keras::save_model(m, file).empty());
  const std::string json = keras::model_to_json(m);
  for (int c = 0; c < 3; ++c) {
    const std::string cs = std::to_string(c);
    CHECK(has(json, R"({"class_name":"Precision","config":{"class_id":)" + cs +
                        R"(,"dtype":"float32","name":"precision_)" + cs +
                        R"(","thresholds":null,"top_k":1})"));
    CHECK(has(json, R"({"class_name":"Recall","config":{"class_id":)" + cs));
  }
  CHECK(has(json, R"({"class_name":"F1Score","config":{"average":"macro","dtype":"float32",)"
                  R"("name":"f1_score","threshold":null})"));
  CHECK(has(json, R"("class_name":"TopKCategoricalAccuracy","config":{"dtype":"float32","k":2)"));
  Model back = keras::load_model(file);
  CHECK(compiled_metrics(back) == kClassMetrics);
  CHECK(compile_config(back) == compile_config(m));
  const Tensor x = Tensor::uniform({12, 4}, 5, -1.0, 1.0);
  const Tensor y = one_hot(Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0}, {12}), 3);
  const Logs a = m.evaluate(x, y, {.verbose = 0}), b = back.evaluate(x, y, {.verbose = 0});
  CHECK(a == b);
  CHECK(a.count("precision_2") == 1);
  CHECK(a.count("f1_score") == 1);
}

TEST_CASE("keras metrics: Keras's Precision, Recall and F1Score file gives Keras's values") {
  Model m = keras::load_model(kf::path("class_metrics.keras"));
  CHECK(compiled_metrics(m) == std::vector<Metric>{Metric::precision, Metric::recall, Metric::f1_score});
  auto arrays = data::load_h5(kf::path("class_metrics.io.h5"));
  const Logs logs = m.evaluate(arrays.at("x0"), arrays.at("y"), {.batch_size = 8, .verbose = 0});
  for (const char* key : {"precision_0", "precision_1", "precision_2", "recall_0", "recall_1",
                          "recall_2", "f1_score"}) {
    CAPTURE(key);
    REQUIRE(logs.count(key) == 1);
    // Keras counts in float32 and adds 1e-7 to F1's denominators.
    CHECK(std::fabs(logs.at(key) - arrays.at(key).item()) < 1e-6);
  }
}

TEST_CASE("keras metrics: without an equivalent the metric is left out with a note, the rest saved") {
  testing::TempDir dir;
  Model m = classifier(SparseCategoricalCrossentropy());
  const std::string file = dir.file("sparse.keras");
  std::vector<std::string> left_out;
  const std::string err = testing::stderr_of([&] { left_out = keras::save_model(m, file); });
  REQUIRE(left_out.size() == 3);
  CHECK(has(left_out[0], "Metric::precision is left out of the compile config"));
  CHECK(has(left_out[1], "Metric::recall is left out"));
  CHECK(has(left_out[2], "Metric::f1_score is left out"));
  CHECK(has(left_out[0], "sparse_categorical_crossentropy, takes class indices"));
  CHECK(has(err, "tenet: save_model(" + file + "): Metric::precision is left out"));
  Model back = keras::load_model(file);
  CHECK(compiled_metrics(back) == std::vector<Metric>{Metric::accuracy, Metric::top_k_accuracy(2)});
  Model mse = classifier(MeanSquaredError());
  (void)testing::stderr_of([&] { left_out = keras::save_model(mse, dir.file("mse.keras")); });
  REQUIRE(left_out.size() == 3);
  CHECK(has(left_out[0], "mean_squared_error, takes real targets"));
}

TEST_CASE("keras metrics: a class metric Keras counts differently is refused on load") {
  testing::TempDir dir;
  Model m = classifier(CategoricalCrossentropy());
  std::string json = keras::model_to_json(m);
  const std::string one_hot = R"("class_name":"CategoricalCrossentropy")";
  const std::string sparse = R"("class_name":"SparseCategoricalCrossentropy")";
  json.replace(json.find(one_hot), one_hot.size(), sparse);
  auto e = capture([&] { keras::model_from_json(json); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "the metric (Precision)"));
  CHECK(has(e, "column c of the label"));
  std::string thresholded = keras::model_to_json(m);
  const std::string top_k = R"("top_k":1)";
  thresholded.replace(thresholded.find(top_k), top_k.size(), R"("top_k":null)");
  e = capture([&] { keras::model_from_json(thresholded); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "top_k"));
}

TEST_CASE("keras metrics: AdamW, RMSprop and BinaryCrossentropy saved by tenet load back") {
  testing::TempDir dir;
  auto x = Input({4});
  Model m(x, Dense(2, {.seed = 1})(x), "binary");
  m.compile({.optimizer = AdamW({.learning_rate = 0.01, .weight_decay = 0.1}),
             .loss = BinaryCrossentropy({.from_logits = true})});
  keras::save_model(m, dir.file("adamw.keras"));
  Model back = keras::load_model(dir.file("adamw.keras"));
  CHECK(back.optimizer().impl()->name() == "AdamW");
  CHECK(model_state(back)->compiled.loss.impl()->name() == "binary_crossentropy");
  CHECK(model_state(back)->compiled.loss.impl()->from_logits());
  CHECK(has(compile_config(m), R"("from_logits":true)"));
  CHECK(compile_config(back) == compile_config(m));
  m.compile({.optimizer = RMSprop({.rho = 0.8, .momentum = 0.5, .centered = true}),
             .loss = BinaryCrossentropy()});
  keras::save_model(m, dir.file("rmsprop.keras"));
  back = keras::load_model(dir.file("rmsprop.keras"));
  CHECK(back.optimizer().impl()->name() == "RMSprop");
  CHECK(compile_config(back) == compile_config(m));
}

}  // TEST_SUITE
