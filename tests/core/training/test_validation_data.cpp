// Suite "core/training": fit's validation arrays (FitOptions::validation_data). An error in them
// names them, and its fix changes them, never the model, which fits the training data (review
// 51, findings 4 and 5). The validation Dataset's side is in tests/data/test_validation_dataset.cpp.
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/classifier_util.hpp"
#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::x_of;
using tenet::testing::y_of;

namespace {


// fit on correct training arrays with `validation` as FitOptions::validation_data.
History fit_with(Model& m, std::vector<Tensor> vx, Tensor vy) {
  return m.fit(x_of(10), y_of(10), {.validation_data = ValidationData{std::move(vx), std::move(vy)},
                                    .verbose = 0});
}

// The message names the validation data first, and its fix does not rebuild the model.
void blames_validation(const ContractError& e) {
  INFO(e.what());
  CHECK(e.info().summary.rfind("FitOptions::validation_data: ", 0) == 0);
  CHECK(has(e.fix(), "FitOptions::validation_data must match the data the model trains on"));
  CHECK(!has(e.fix(), "build the model"));
  CHECK(!has(e.fix(), "last layer"));
  CHECK(!has(e.fix(), "add the Inputs"));
  CHECK(!has(e.fix(), "declare the Input"));
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("batch.empty: FitOptions::validation_data with 0 samples is refused, not ignored") {
  Model m = tenet::testing::small_classifier();
  const std::int64_t before = m.optimizer().impl()->iterations();
  auto e = capture("batch.empty", [&] { fit_with(m, {x_of(0)}, y_of(0)); });
  CHECK(e.info().summary == "FitOptions::validation_data holds no samples");
  CHECK(e.actual() == "0 samples (0, 4)");
  CHECK(has(e.cause(), "its x has shape (0, 4), 0 samples"));
  CHECK(has(e.cause(), "no val_ keys"));
  CHECK(has(e.fix(), "give FitOptions::validation_data at least one sample"));
  CHECK(m.optimizer().impl()->iterations() == before);  // refused before any step
  // One sample is enough, and gives the val_ keys that EarlyStopping("val_loss") reads.
  const History h = fit_with(m, {x_of(1)}, y_of(1));
  CHECK(h.history.count("val_loss") == 1);
}

TEST_CASE("input.shape, input.count, input.dtype in validation_data name it and fix the data") {
  Model m = tenet::testing::small_classifier();
  auto shape = capture("input.shape", [&] { fit_with(m, {x_of(4, 5)}, y_of(4)); });
  blames_validation(shape);
  CHECK(has(shape.info().summary, "data for Input 'features' differs on features (axis 1)"));
  CHECK(has(shape.fix(), "give the data the 4 features the model was trained on"));
  CHECK(!has(shape.fix(), "train it again"));
  auto count = capture("input.count", [&] { fit_with(m, {x_of(4), x_of(4)}, y_of(4)); });
  blames_validation(count);
  CHECK(has(count.fix(), "drop the extra arrays: one array per Input, in this order: {features}"));
  auto none = capture("input.count", [&] { fit_with(m, {}, y_of(4)); });
  CHECK(none.info().summary.rfind("FitOptions::validation_data: the model has 1 input(s) but received 0", 0) == 0);
  std::vector<std::uint8_t> pixels(16);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 17);
  const Tensor u8x = Tensor::from_vector(pixels, {4, 4});  // 0..255: pixels
  auto u8 = capture("input.dtype", [&] { fit_with(m, {u8x}, y_of(4)); });
  blames_validation(u8);
  CHECK(has(u8.fix(), "x.astype(DType::f32) / 255.0"));
  // The same mistakes in the training arrays keep the model-side alternatives.
  auto train = capture("input.shape", [&] { m.fit(x_of(4, 5), y_of(4), {.verbose = 0}); });
  CHECK(!has(train.info().summary, "validation"));
  CHECK(has(train.fix(), "build the model for 5 features"));
  auto train_count = capture("input.count", [&] { m.fit({x_of(4), x_of(4)}, y_of(4), {.verbose = 0}); });
  CHECK(has(train_count.fix(), "add the Inputs they are meant for to the Model"));
}

TEST_CASE("labels of validation_data: batch.mismatch and loss.label_range name it") {
  Model m = tenet::testing::small_classifier();
  auto len = capture("batch.mismatch", [&] { fit_with(m, {x_of(4)}, y_of(5)); });
  CHECK(len.info().summary == "FitOptions::validation_data: inputs and labels hold different "
                              "numbers of samples");
  CHECK(has(len.cause(), "there are 4 samples (4, 4) but 5 labels (5,)"));
  auto range = capture("loss.label_range", [&] {
    fit_with(m, {x_of(4)}, Tensor::full({4}, 9, DType::i32));
  });
  blames_validation(range);
  CHECK(has(range.info().summary, "label 9 of sample 0 is outside [0, 3)"));
  CHECK(has(range.fix(), "the labels must be the class indices 0 to 2"));
  // Training labels out of range may still mean the model needs more units.
  auto train = capture("loss.label_range", [&] {
    m.fit(x_of(4), Tensor::full({4}, 9, DType::i32), {.verbose = 0});
  });
  CHECK(has(train.fix(), "give the last layer 10 units"));
}

}  // TEST_SUITE
