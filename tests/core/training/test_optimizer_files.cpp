// Optimizer state in weights files follows Keras's layout for every optimizer: the files in
// tests/fixtures/optimizers were written by Keras 3.15.1 (scripts/make_optimizer_reference.py
// with TENET_FIXTURES set), one training step of Dense(3) on 4 features; the values below are
// the ones that script printed.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

namespace {

std::string fixture(const std::string& name) {
  return std::string(TENET_SOURCE_DIR) + "/tests/fixtures/optimizers/" + name;
}

Model dense_model(const Optimizer& opt) {
  Sequential m({Input({4}), Dense(3)});
  m.compile({.optimizer = opt, .loss = MeanSquaredError()});
  return m;
}

void check_values(const Tensor& t, const std::vector<double>& want) {
  const auto got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("RMSprop's state loads from a Keras file, slots stored kind by kind") {
  Model m = dense_model(RMSprop({.learning_rate = 0.01, .momentum = 0.5, .centered = true}));
  CHECK(m.load_weights(fixture("rmsprop_momentum_centered.weights.h5")).empty());
  const auto opt = m.optimizer().impl();
  CHECK(opt->iterations() == 1);
  REQUIRE(opt->slots().size() == 2);  // kernel, bias
  REQUIRE(opt->slots()[1].size() == 3);  // velocity, momentum, average_gradient
  check_values(opt->slots()[1][0], {0.0909834728, 0.0915418789, 0.0671186447});
  check_values(opt->slots()[1][1], {-0.0333333127, -0.0333333127, -0.0333333053});
  check_values(opt->slots()[1][2], {-0.0953852534, -0.0956775174, -0.0819259733});
  check_values(slice(opt->slots()[0][2].reshape({-1}), 0, 0, 3), {-0.0282480456, -0.0273346882, -0.0207230318});
}

TEST_CASE("a scheduled Adam's state loads from a Keras file that has no learning_rate") {
  Model m = dense_model(Adam({.learning_rate = ExponentialDecay({.initial_learning_rate = 0.01,
                                                                 .decay_steps = 10,
                                                                 .decay_rate = 0.5})}));
  CHECK(m.load_weights(fixture("adam_schedule.weights.h5")).empty());
  const auto opt = m.optimizer().impl();
  CHECK(opt->iterations() == 1);
  REQUIRE(opt->slots().size() == 2);
  check_values(opt->slots()[1][0], {-0.0953852534, -0.0956775174, -0.0819259733});
  check_values(opt->slots()[1][1], {0.000909834751, 0.000915418786, 0.000671186484});
  // The same file into a fixed-rate Adam: its layout needs a learning_rate; skipped, explained.
  Model fixed = dense_model(Adam({.learning_rate = 0.01}));
  const auto skipped = fixed.load_weights(fixture("adam_schedule.weights.h5"));
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].find("this adam needs 6 (iteration, learning_rate and 2 slot(s)") !=
        std::string::npos);
}

TEST_CASE("tenet's files of scheduled and RMSprop optimizers load back exactly") {
  const auto dir = std::filesystem::temp_directory_path() / "tenet_optimizer_files";
  std::filesystem::create_directories(dir);
  const std::vector<std::function<Optimizer()>> makers{
      [] { return RMSprop({.momentum = 0.9, .centered = true}); },
      [] { return SGD({.learning_rate = CosineDecay({.decay_steps = 5})}); },
      [] { return AdamW(); }};
  for (const auto& make : makers) {
    Model m = dense_model(make());
    const Tensor x = Tensor::uniform({8, 4}, 3), y = Tensor::uniform({8, 3}, 4);
    m.train_on_batch({x}, y);
    m.train_on_batch({x}, y);
    const auto opt = m.optimizer().impl();
    const std::string path = (dir / (opt->name() + ".weights.h5")).string();
    m.save_weights(path);
    Model back = dense_model(make());
    CHECK(back.load_weights(path).empty());
    const auto loaded = back.optimizer().impl();
    CHECK(loaded->iterations() == 2);
    CHECK(loaded->learning_rate() == opt->learning_rate());
    if (opt->slot_count() == 0) continue;  // plain SGD keeps no state beyond the count
    REQUIRE(loaded->slots().size() == opt->slots().size());
    for (std::size_t i = 0; i < opt->slots().size(); ++i)
      for (std::size_t j = 0; j < opt->slots()[i].size(); ++j)
        CHECK(loaded->slots()[i][j].to_vector<float>() == opt->slots()[i][j].to_vector<float>());
  }
  std::filesystem::remove_all(dir);
}

}  // TEST_SUITE
