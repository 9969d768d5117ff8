// Learning-rate schedules in Keras files (data/keras_schedules.cpp): tenet's ExponentialDecay,
// PiecewiseConstantDecay and CosineDecay are written as keras.optimizers.schedules serialises
// them and read back with the same rate at every step; Keras's own serialised schedules read;
// what has no Keras config is refused.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/training/model_state.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;

namespace {

Model compiled_with(LearningRate rate) {
  auto x = Input({4});
  Model m(x, Dense(3, {.seed = 2})(x), "scheduled");
  m.compile({.optimizer = Adam({.learning_rate = std::move(rate)}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

const LearningRateSchedule& schedule_of(const Model& m) { return m.optimizer().impl()->schedule(); }

nlohmann::json compile_config(const Model& m) {
  return nlohmann::json::parse(keras::model_to_json(m))["compile_config"];
}

// The model's JSON with `learning_rate` replaced by Keras's serialised schedule `text`.
std::string with_learning_rate(const Model& m, const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(keras::model_to_json(m));
  j["compile_config"]["optimizer"]["config"]["learning_rate"] = nlohmann::json::parse(text);
  return j.dump();
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras schedules: tenet's three schedules are saved as Keras serialises them and load back with the same rates") {
  testing::TempDir dir;
  const std::vector<LearningRateSchedule> schedules = {
      CosineDecay({.initial_learning_rate = 0, .decay_steps = 100, .alpha = 0.1,
                   .warmup_target = 1e-3, .warmup_steps = 10}),
      ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 7, .decay_rate = 0.5,
                        .staircase = true}),
      PiecewiseConstantDecay({.boundaries = {10, 20}, .values = {0.1, 0.01, 0.001}})};
  for (const auto& s : schedules) {
    CAPTURE(s.name());
    Model m = compiled_with(s);
    // old: model.unsupported ("schedules are not written to Keras files yet")
    keras::save_model(m, dir.file("m.keras"));
    const auto lr = compile_config(m)["optimizer"]["config"]["learning_rate"];
    CHECK(lr["module"] == "keras.optimizers.schedules");
    CHECK(lr["class_name"] == s.name());
    CHECK(lr["registered_name"].is_null());
    Model back = keras::load_model(dir.file("m.keras"));
    REQUIRE(schedule_of(back).defined());
    CHECK(schedule_of(back).name() == s.name());
    for (std::int64_t step : {0, 1, 5, 7, 10, 11, 20, 21, 55, 110, 5000})
      CHECK(schedule_of(back)(step) == s(step));
    CHECK(compile_config(back) == compile_config(m));
  }
  const auto cosine = compile_config(compiled_with(schedules[0]))["optimizer"]["config"]["learning_rate"];
  CHECK(cosine["config"] == nlohmann::json::parse(
                                R"({"initial_learning_rate": 0.0, "decay_steps": 100, "alpha": 0.1,
                                    "name": "CosineDecay", "warmup_target": 0.001,
                                    "warmup_steps": 10})"));
}

TEST_CASE("keras schedules: Keras's own serialised CosineDecay and PiecewiseConstantDecay are read") {
  const Model m = compiled_with(0.001);
  // As keras.optimizers.schedules.serialize writes them (Keras 3.15).
  Model cosine = keras::model_from_json(with_learning_rate(m, R"(
      {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
       "config": {"initial_learning_rate": 0.001, "decay_steps": 100, "alpha": 0.0,
                  "name": "CosineDecay", "warmup_target": null, "warmup_steps": 0},
       "registered_name": null})"));
  CHECK(schedule_of(cosine)(0) == doctest::Approx(0.001));
  CHECK(schedule_of(cosine)(50) == doctest::Approx(0.0005));
  CHECK(schedule_of(cosine)(100) == doctest::Approx(0.0));
  Model steps = keras::model_from_json(with_learning_rate(m, R"(
      {"module": "keras.optimizers.schedules", "class_name": "PiecewiseConstantDecay",
       "config": {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001],
                  "name": "PiecewiseConstant"}, "registered_name": null})"));
  CHECK(schedule_of(steps)(10) == 0.1);
  CHECK(schedule_of(steps)(11) == 0.01);
  CHECK(schedule_of(steps)(21) == 0.001);
}

TEST_CASE("keras schedules: a schedule made from a function, another Keras schedule and broken configs are refused") {
  testing::TempDir dir;
  Model mine = compiled_with(LearningRateSchedule("Halving", [](std::int64_t s) { return 0.1 / (1 + s); }));
  auto e = capture([&] { keras::save_model(mine, dir.file("mine.keras")); });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "learning_rate"));
  CHECK(has(e, "a schedule made from a function has no Keras config"));
  CHECK(!std::filesystem::exists(dir.file("mine.keras")));

  const Model m = compiled_with(0.001);
  e = capture([&] {
    keras::model_from_json(with_learning_rate(m, R"({"class_name": "PolynomialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10}})"));
  });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "PolynomialDecay"));
  CHECK(has(e, "ExponentialDecay, PiecewiseConstantDecay or CosineDecay"));
  e = capture([&] {
    keras::model_from_json(with_learning_rate(m, R"({"class_name": "PiecewiseConstantDecay",
        "config": {"boundaries": "10", "values": [0.1, 0.01]}})"));
  });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "boundaries"));
  e = capture([&] {
    keras::model_from_json(with_learning_rate(m, R"({"class_name": "CosineDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 2.0}})"));
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "CosineDecayOptions::alpha"));
  e = capture([&] {
    keras::model_from_json(with_learning_rate(m, R"({"class_name": "ExponentialDecay",
        "config": {"decay_steps": 0}})"));
  });
  CHECK(e.code() == "model.unsupported");
  CHECK(has(e, "decay_steps"));
  e = capture([&] { keras::model_from_json(with_learning_rate(m, R"("fast")")); });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "a number or a schedule object"));
}

TEST_CASE("keras schedules: weights saved where the schedule's rate is 0 (a warmup's start, a finished cosine) load") {
  testing::TempDir dir;
  const LearningRateSchedule warmup = CosineDecay(
      {.initial_learning_rate = 0, .decay_steps = 4, .warmup_target = 1e-2, .warmup_steps = 2});
  Model m = compiled_with(warmup);
  // old: data.format "optimizer/vars/1 (learning_rate) holds an impossible learning rate" (0)
  m.save_weights(dir.file("start.weights.h5"));
  Model same = compiled_with(warmup);
  same.load_weights(dir.file("start.weights.h5"));
  const Tensor x = Tensor::ones({8, 4});
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1}, {8});
  m.fit(x, y, {.epochs = 8, .batch_size = 8, .verbose = 0});  // 8 steps: past warmup and decay
  CHECK(m.optimizer().impl()->learning_rate() == 0.0);
  m.save_weights(dir.file("end.weights.h5"));
  same.load_weights(dir.file("end.weights.h5"));
  CHECK(same.optimizer().impl()->iterations() == 8);
  CHECK(testing::bitwise_equal(same.weights(), m.weights()));
}

}  // TEST_SUITE
