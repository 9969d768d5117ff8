// tenet::keras::load_model on Keras-written files (tests/fixtures/keras/, written by
// scripts/make_keras_fixtures.py): the models predict what Keras predicted, compile configs
// are read, and the layers keep their names and classes.
#include <doctest/doctest.h>

#include "support/keras_fixtures.hpp"
#include "core/training/model_state.hpp"
#include "support/test_util.hpp"

using namespace tenet;
namespace kf = tenet::keras_fixtures;

namespace {

void check_predicts_as_keras(const std::string& name) {
  CAPTURE(name);
  Model m = keras::load_model(kf::path(name + ".keras"));
  const kf::IO io = kf::io(name);
  CHECK(kf::max_diff(m.predict(io.x), io.pred) < 1e-5);
}

}  // namespace

TEST_CASE("keras load: every Keras-written archive predicts as in Keras") {
  for (const char* name : {"branch_swap", "branch_multi", "all_layers", "sequential"})
    check_predicts_as_keras(name);
}

TEST_CASE("keras load: layers keep their names, classes and order") {
  Model m = keras::load_model(kf::path("all_layers.keras"));
  std::vector<std::string> names;
  for (const auto& l : m.layers()) names.push_back(l.name());
  CHECK(names == std::vector<std::string>{
                     "image", "rescaling", "resizing", "stem", "batch_normalization", "re_lu",
                     "conv2d", "add", "multiply", "reshape_1", "max_pooling2d", "reshape",
                     "global_average_pooling2d", "global_max_pooling2d", "flatten",
                     "concatenate", "dropout", "dense", "activation", "dense_1", "softmax"});
  CHECK(m.get_layer("activation").type() == "Activation");
  CHECK(m.get_layer("stem").weights().size() == 1);  // use_bias false
  CHECK(m.name() == "all_layers");
}

TEST_CASE("keras load: the compile config is read (optimizer, loss, metrics)") {
  Model a = keras::load_model(kf::path("all_layers.keras"));
  CHECK(a.optimizer().impl()->name() == "Adam");
  const Model::State& s = *tenet::model_state(a);
  CHECK(s.is_compiled);
  CHECK(s.compiled.loss.impl()->name() == "sparse_categorical_crossentropy");
  CHECK(s.compiled.metrics == std::vector<Metric>{Metric::accuracy});
  Model b = keras::load_model(kf::path("sequential.keras"));
  CHECK(b.optimizer().impl()->name() == "SGD");
  CHECK(b.optimizer().impl()->learning_rate() == doctest::Approx(0.05));
  CHECK(b.optimizer().impl()->hyperparameters()[0].second == doctest::Approx(0.9));  // momentum
  CHECK(b.optimizer().impl()->iterations() == 2);  // Keras trained 2 steps: state restored
}

TEST_CASE("keras load: a JSON architecture builds with fresh weights") {
  Model m = keras::load_model(kf::path("sequential.json"));
  CHECK(m.name() == "seq");
  CHECK(m.count_params() == Model(keras::load_model(kf::path("sequential.keras"))).count_params());
  CHECK(tenet::model_state(m)->sequential);
}

TEST_CASE("keras load: a loaded model trains (one step)") {
  Model m = keras::load_model(kf::path("branch_multi.keras"));
  const kf::IO io = kf::io("branch_multi");
  Tensor y = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 0}, {4});
  Logs logs = m.train_on_batch(io.x, y);
  CHECK(logs.count("loss"));
}
