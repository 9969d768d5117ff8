// Suite "data": fit's validation Dataset. Its errors name "fit's validation dataset" and the
// batch, and fix the data rather than the model; an empty one is refused as such, not as an
// evaluate the user never called (review 51, findings 5 and 6).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/classifier_util.hpp"
#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::x_of;
using tenet::testing::y_of;
using data::Batch;
using data::Dataset;
using data::Generator;

namespace {

Dataset training() { return Dataset::from_tensors({x_of(8)}, y_of(8)).batch(4); }

// A generator of `batches` batches of 2 samples, each holding `inputs` arrays of `features`.
Dataset generator(int batches, int inputs = 1, std::int64_t features = 4) {
  return Dataset::from_generator([batches, inputs, features, n = 0]() mutable -> std::optional<Batch> {
    if (n++ >= batches) return std::nullopt;
    std::vector<Tensor> x;
    for (int i = 0; i < inputs; ++i) x.push_back(x_of(2, features));
    return Batch{x, y_of(2), n - 1};
  });
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("fit's validation dataset: a bad batch is named as validation data, with its index") {
  Model m = tenet::testing::small_classifier();
  const std::string prefix =
      "fit's validation dataset, batch 1 of the epoch (counting from 1; index 0): ";
  auto shape = capture("input.shape", [&] {
    auto val = Dataset::from_tensors({x_of(4, 5)}, y_of(4));
    m.fit(training(), {.epochs = 1, .verbose = 0}, &val);
  });
  CHECK(shape.info().summary ==
        prefix + "data for Input 'features' differs on features (axis 1)");
  CHECK(has(shape.fix(), "fit's validation dataset must match the data the model trains on"));
  CHECK(!has(shape.fix(), "build the model"));
  auto count = capture("input.count", [&] {
    auto val = generator(1, 2);
    m.fit(training(), {.epochs = 1, .verbose = 0}, &val);
  });
  CHECK(count.info().summary.rfind(prefix + "the model has 1 input(s) but received 2", 0) == 0);
  CHECK(!has(count.fix(), "add the Inputs"));
  auto range = capture("loss.label_range", [&] {
    auto val = Dataset::from_tensors({x_of(4)}, Tensor::full({4}, 7, DType::i32));
    m.fit(training(), {.epochs = 1, .verbose = 0}, &val);
  });
  CHECK(range.info().summary.rfind(prefix, 0) == 0);
  CHECK(!has(range.fix(), "last layer"));
  // The training dataset's batches keep their own naming and the model-side fixes.
  auto train = capture("input.shape", [&] {
    m.fit(Dataset::from_tensors({x_of(4, 5)}, y_of(4)), {.epochs = 1, .verbose = 0});
  });
  CHECK(train.info().summary.rfind("batch 1 of the epoch (counting from 1; index 0): data for", 0) == 0);
  CHECK(has(train.fix(), "build the model for 5 features"));
}

TEST_CASE("batch.empty: an empty validation dataset is named, never as evaluate's") {
  Model m = tenet::testing::small_classifier();
  // Known to be empty before training: refused before any step.
  auto none = capture("batch.empty", [&] {
    auto val = Dataset::from_tensors({x_of(0)}, y_of(0));
    m.fit(training(), {.epochs = 2, .verbose = 0}, &val);
  });
  CHECK(none.info().summary == "fit's validation dataset holds no samples");
  CHECK(has(none.cause(), "it has 0 batches per epoch"));
  CHECK(has(none.fix(), "give the validation dataset at least one sample"));
  CHECK(!has(none.fix(), "give fit at least one batch per epoch"));
  CHECK(m.optimizer().impl()->iterations() == 0);
  // A generator known empty only once read: after the first training epoch.
  auto gen = capture("batch.empty", [&] {
    auto val = generator(0);
    m.fit(training(), {.epochs = 2, .verbose = 0}, &val);
  });
  CHECK(gen.info().summary == "fit's validation dataset holds no samples");
  CHECK(has(gen.cause(), "its generator yielded no batch in validation pass 1 of this fit"));
  CHECK(!has(gen.what(), "evaluate"));
  CHECK(has(gen.where(), "small.fit"));
  // A Generator given alone runs dry after its batches: pass 2 finds nothing.
  auto dry = capture("batch.empty", [&] {
    auto val = generator(1);
    m.fit(training(), {.epochs = 3, .verbose = 0}, &val);
  });
  CHECK(has(dry.cause(), "validation pass 2 of this fit"));
  CHECK(has(dry.fix(), "std::function<Generator()> starts each epoch afresh"));
  CHECK(m.history().epoch == std::vector<int>{0});  // epoch 1 completed with its val_ keys
  // evaluate on an empty generator keeps its own message.
  auto ev = capture("batch.empty", [&] { (void)m.evaluate(generator(0)); });
  CHECK(has(ev.info().summary, "evaluate received no samples"));
}

}  // TEST_SUITE
