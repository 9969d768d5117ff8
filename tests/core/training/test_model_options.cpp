// Suite "core/training": the tests of model_options.
#include <doctest/doctest.h>

#include <limits>

#include <tenet/tenet.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/model_options_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;
using tenet::testing::capture;
using tenet::testing::has;
using tenet::testing::kInf;
using tenet::testing::kNaN;
using tenet::testing::clones;
using tenet::testing::check_invalid;

namespace {

// Input(4) -> Dense(3), compiled with SGD + momentum so that any step moves the weights.
Model small_model() {
  auto in = Input({4}, {.name = "features"});
  Model m(in, Dense(3, {.seed = 1})(in), "small");
  m.compile({.optimizer = SGD({.learning_rate = 0.1, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
  return m;
}

Tensor features(std::int64_t n) { return Tensor::uniform({n, 4}, 3); }
Tensor labels(std::int64_t n) { return Tensor::zeros({n}, DType::i32); }

// Weights, optimizer slots and iteration count, copied.
struct Snapshot {
  std::vector<Tensor> weights, slots;
  std::int64_t iterations = 0;
};
Snapshot snapshot(const Model& m) {
  Snapshot s{clones(m.weights()), {}, m.optimizer().impl()->iterations()};
  for (const auto& v : m.optimizer().impl()->slots())
    for (const auto& t : v) s.slots.push_back(t.clone());
  return s;
}
void check_unchanged(const Model& m, const Snapshot& before) {
  Snapshot now = snapshot(m);
  CHECK(bitwise_equal(now.weights, before.weights));
  CHECK(bitwise_equal(now.slots, before.slots));
  CHECK(now.iterations == before.iterations);
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("options.invalid: FitOptions outside their ranges, named with value and range") {
  Model m = small_model();
  const Tensor x = features(8), y = labels(8);
  const Snapshot before = snapshot(m);
  auto fit = [&](FitOptions o) { return capture([&] { m.fit(x, y, o); }); };
  check_invalid(fit({.batch_size = 0, .verbose = 0}), "FitOptions::batch_size", "0", "an integer >= 1");
  check_invalid(fit({.batch_size = -5, .verbose = 0}), "FitOptions::batch_size", "-5", ">= 1");
  check_invalid(fit({.epochs = -1, .verbose = 0}), "FitOptions::epochs", "-1", "an integer >= 0");
  check_invalid(fit({.validation_split = kNaN, .verbose = 0}), "FitOptions::validation_split", "NaN", "[0, 1)");
  check_invalid(fit({.validation_split = -0.1, .verbose = 0}), "FitOptions::validation_split", "-0.1", "[0, 1)");
  auto all = fit({.validation_split = 1.0, .verbose = 0});
  check_invalid(all, "FitOptions::validation_split", "1", "[0, 1)");
  CHECK(has(all.cause(), "leaves none to train on"));
  check_invalid(fit({.validation_split = 2.5, .verbose = 0}), "FitOptions::validation_split", "2.5", "[0, 1)");
  check_invalid(fit({.verbose = 3}), "FitOptions::verbose", "3", "an integer in [0, 2]");
  check_invalid(fit({.verbose = -1}), "FitOptions::verbose", "-1", "[0, 2]");
  // old: an integer outside WarningMode cast to it was taken as WarningMode::print
  check_invalid(fit({.verbose = 0, .warnings = static_cast<WarningMode>(7)}),
                "FitOptions::warnings (WarningMode: print 0, raise 1, off 2)", "7", "[0, 2]");
  auto late = fit({.epochs = 2, .verbose = 0, .initial_epoch = 5});
  check_invalid(late, "FitOptions::initial_epoch", "5", "[0, 2]");
  CHECK(has(late.fix(), "initial_epoch = k, epochs = k + n"));
  check_invalid(fit({.verbose = 0, .initial_epoch = -1}), "FitOptions::initial_epoch", "-1", "[0, 1]");
  check_invalid(fit({.verbose = 0, .callbacks = {TerminateOnNaN(), Callback()}}),
                "FitOptions::callbacks[1]", "an empty Callback", "a Callback that holds a value");
  check_invalid(fit({.validation_data = ValidationData{{Tensor()}, y}, .verbose = 0}),
                "FitOptions::validation_data.x", "an empty Tensor", "a Tensor that holds a value");
  check_invalid(fit({.validation_data = ValidationData{{x}, Tensor()}, .verbose = 0}),
                "FitOptions::validation_data.y", "an empty Tensor", "a Tensor that holds a value");
  auto e = fit({.batch_size = 0, .verbose = 0});
  CHECK(e.where().rfind("'small.fit' (Model) called at ", 0) == 0);
  CHECK(e.phase() == Phase::run);
  check_unchanged(m, before);
  // Evaluate and predict, on arrays and on a Dataset.
  check_invalid(capture([&] { (void)m.evaluate(x, y, {.batch_size = 0}); }),
                "EvaluateOptions::batch_size", "0", ">= 1");
  check_invalid(capture([&] { (void)m.evaluate(x, y, {.verbose = 7}); }),
                "EvaluateOptions::verbose", "7", "[0, 2]");
  check_invalid(capture([&] { (void)m.predict(x, {.batch_size = -1}); }),
                "PredictOptions::batch_size", "-1", ">= 1");
  auto ds = data::Dataset::from_tensors({x}, y);
  check_invalid(capture([&] { (void)m.predict(ds, {.batch_size = 0}); }),
                "PredictOptions::batch_size", "0", ">= 1");
  check_invalid(capture([&] { (void)m.evaluate(ds, {.batch_size = 0}); }),
                "EvaluateOptions::batch_size", "0", ">= 1");
  check_invalid(capture([&] { m.fit(ds, {.batch_size = 0, .verbose = 0}); }),
                "FitOptions::batch_size", "0", ">= 1");
  // A Dataset has no "last fraction": validation_split and validation_data would be ignored.
  auto split = capture([&] { m.fit(ds, {.validation_split = 0.2, .verbose = 0}); });
  check_invalid(split, "FitOptions::validation_split", "0.2", "0 when fit is given a Dataset");
  CHECK(has(split.fix(), "ds.split(0.2)"));
  check_invalid(capture([&] { m.fit(ds, {.validation_data = ValidationData{{x}, y}, .verbose = 0}); }),
                "FitOptions::validation_data", "arrays", "none when fit is given a Dataset");
  check_unchanged(m, before);
}

TEST_CASE("options.invalid: empty handles given to fit, evaluate, predict and *_on_batch") {
  Model m = small_model();
  const Tensor x = features(8), y = labels(8);
  auto empty = [](const ContractError& e, const std::string& argument) {
    check_invalid(e, argument, "an empty Tensor", "a Tensor that holds a value");
  };
  empty(capture([&] { m.fit(Tensor(), y, {.verbose = 0}); }), "fit's x");
  empty(capture([&] { m.fit(x, Tensor(), {.verbose = 0}); }), "fit's y");
  empty(capture([&] { (void)m.evaluate(x, Tensor()); }), "evaluate's y");
  empty(capture([&] { (void)m.predict(Tensor()); }), "predict's x");
  empty(capture([&] { (void)m.train_on_batch({x}, Tensor()); }), "train_on_batch's y");
  empty(capture([&] { (void)m.test_on_batch({Tensor()}, y); }), "test_on_batch's x");
  empty(capture([&] { m.check_data({Tensor()}, &y); }), "check_data's x");
  // Two inputs: the empty one is named by its position.
  auto a = Input({4}), b = Input({4});
  Model two({a, b}, Dense(3)(Concatenate()({a, b})));
  two.compile({.loss = SparseCategoricalCrossentropy({.from_logits = true})});
  auto e = capture([&] { two.fit({x, Tensor()}, y, {.verbose = 0}); });
  empty(e, "fit's x[1]");
  CHECK(has(e.where(), ".fit' (Model)"));
  // A Dataset without labels, for fit and evaluate: named with the batch, not "internal".
  auto unlabelled = data::Dataset::from_tensors({x});
  auto nl = capture([&] { m.fit(unlabelled, {.verbose = 0}); });
  check_invalid(nl, "fit's dataset", "batch 1 of the epoch (counting from 1; index 0) without labels", "a dataset whose batches carry labels");
  CHECK(has(nl.cause(), "from_tensors({x}) without y"));
  check_invalid(capture([&] { (void)m.evaluate(unlabelled); }), "evaluate's dataset",
                "batch 1 of the epoch (counting from 1; index 0) without labels", "labels");
  auto labelled = data::Dataset::from_tensors({x}, y);
  check_invalid(capture([&] { m.fit(labelled, {.verbose = 0}, &unlabelled); }),
                "fit's validation dataset", "batch 1 of the epoch (counting from 1; index 0) without labels", "labels");
}

TEST_CASE("batch.empty: fit and train_on_batch on zero samples move no weight or optimizer state") {
  Model m = small_model();
  m.fit(features(8), labels(8), {.epochs = 1, .batch_size = 4, .verbose = 0});  // momentum != 0
  const Snapshot before = snapshot(m);
  REQUIRE(before.iterations == 2);
  REQUIRE(!before.slots.empty());
  const Tensor x0 = Tensor::zeros({0, 4}), y0 = labels(0);
  auto step = capture([&] { (void)m.train_on_batch({x0}, y0); });
  CHECK(step.code() == "batch.empty");
  CHECK(has(step.info().summary, "train_on_batch received no samples"));
  CHECK(has(step.cause(), "momentum"));
  CHECK(step.actual() == "0 samples");
  check_unchanged(m, before);
  auto fit = capture([&] { m.fit(x0, y0, {.verbose = 0}); });
  CHECK(fit.code() == "batch.empty");
  CHECK(has(fit.info().summary, "fit received no samples"));
  check_unchanged(m, before);
  // validation_split leaving nothing to train on: 1 sample, split 0.5.
  auto split = capture([&] { m.fit(features(1), labels(1), {.validation_split = 0.5, .verbose = 0}); });
  CHECK(split.code() == "batch.empty");
  CHECK(has(split.info().summary, "fit's validation_split = 0.5 of 1 sample leaves nothing to train on"));
  CHECK(has(split.cause(), "floor(1 x (1 - 0.5)) = 0 samples"));
  CHECK(has(split.cause(), "1 sample cannot be split in two"));
  check_unchanged(m, before);
  // A fraction so small that the validation part is empty: Keras refuses it too (it was
  // silently trained without validation).
  auto tiny = capture([&] { m.fit(features(8), labels(8), {.validation_split = 1e-17, .verbose = 0}); });
  CHECK(tiny.code() == "batch.empty");
  CHECK(tiny.actual() == "8 to train on, 0 for validation");
  CHECK(has(tiny.fix(), "at least 1/8 = 0.125"));
  check_unchanged(m, before);
  // A dataset with no batch (take(0)), and evaluate / test_on_batch on nothing.
  auto none = data::Dataset::from_tensors({features(8)}, labels(8)).take(0);
  auto ds = capture([&] { m.fit(none, {.verbose = 0}); });
  CHECK(ds.code() == "batch.empty");
  CHECK(has(ds.cause(), "0 batches per epoch"));
  auto dry = data::Dataset::from_generator(data::Generator([]() -> std::optional<data::Batch> {
    return std::nullopt;
  }));
  auto gen = capture([&] { m.fit(dry, {.verbose = 0}); });
  CHECK(gen.code() == "batch.empty");
  CHECK(has(gen.cause(), "ended epoch 1 before its first batch"));
  CHECK(capture([&] { (void)m.evaluate(x0, y0); }).code() == "batch.empty");
  auto ev = capture([&] { (void)m.evaluate(none); });
  CHECK(ev.code() == "batch.empty");
  CHECK(has(ev.cause(), "yielded no batch"));
  CHECK(capture([&] { (void)m.test_on_batch({x0}, y0); }).code() == "batch.empty");
  check_unchanged(m, before);
  check_invalid(capture([&] { (void)m.profile({features(4)}, labels(4), 0); }),
                "Model::profile steps", "0", "an integer >= 1");
  check_unchanged(m, before);
}

TEST_CASE("a generator that runs out after the first epoch ends training, as in Keras") {
  Model m = small_model();
  int calls = 0;  // one function for every epoch: two batches, then nothing
  auto once = data::Dataset::from_generator(data::Generator([&]() -> std::optional<data::Batch> {
    if (calls++ >= 2) return std::nullopt;
    return data::Batch{{features(4)}, labels(4)};
  }));
  History h = m.fit(once, {.epochs = 3, .verbose = 0});
  CHECK(h.epoch == std::vector<int>{0});
  CHECK(has(h.stop_reason, "no batch in epoch 2"));
  CHECK(m.optimizer().impl()->iterations() == 2);
}

TEST_CASE("options.invalid: compile refuses a top-k accuracy with k below 1") {
  auto in = Input({4});
  Model m(in, Dense(1)(in));
  auto e = capture([&] {
    m.compile({.loss = MeanSquaredError(), .metrics = {Metric::accuracy, Metric::top_k_accuracy(0)}});
  });
  check_invalid(e, "CompileOptions::metrics[1]", "Metric::top_k_accuracy(0)", "k >= 1");
  CHECK(e.phase() == Phase::build);
  CHECK(e.where().rfind("'" + m.name() + ".compile' (Model) called at ", 0) == 0);
}

}  // TEST_SUITE
