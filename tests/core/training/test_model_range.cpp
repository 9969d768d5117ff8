// input.range (core/training/model_range.cpp, the message in core/contracts/range_checks.cpp):
// at the start of fit, each Input's values against the range the model was built for. A
// warning (printed once), an error with WarningMode::raise, nothing with WarningMode::off; each
// situation gets its own cause and fix.
#include <iostream>
#include <sstream>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

namespace {

// Conv2D + GlobalAveragePooling2D + Dense on 8x8x3 images; `first` (when given) right after
// the Input.
Model image_model(std::optional<Layer> first = std::nullopt, DType dtype = DType::f32) {
  auto in = Input({8, 8, 3}, {.name = "photo", .dtype = dtype});
  SymbolicTensor x = first ? (*first)(in) : in;
  x = Conv2D(2, {3, 3}, {.seed = 1, .name = "conv"})(x);
  Model m(in, Dense(2, {.seed = 1, .name = "head"})(GlobalAveragePooling2D()(x)));
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

// 4 images whose values run evenly from lo to hi.
Tensor images(double lo, double hi, DType dtype = DType::f32) {
  std::vector<double> v(4 * 8 * 8 * 3);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(v.size() - 1);
  return Tensor::from_vector(v, {4, 8, 8, 3}).astype(dtype);
}

const Tensor kLabels = Tensor::zeros({4}, DType::i32);

FitOptions raising() { return {.verbose = 0, .warnings = WarningMode::raise}; }

// Everything fit writes to std::cerr while `f` runs.
template <class F>
std::string stderr_of(F&& f) {
  std::ostringstream out;
  auto* old = std::cerr.rdbuf(out.rdbuf());
  try {
    f();
  } catch (...) {
    std::cerr.rdbuf(old);
    throw;
  }
  std::cerr.rdbuf(old);
  return out.str();
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("input.range: 0..255 floats without Rescaling, against features of another scale") {
  Model m = image_model();
  auto pixels = capture("input.range", [&] { m.fit(images(0, 255), kLabels, raising()); });
  CHECK(has(pixels.info().summary, "Input 'photo' (0 to 255)"));
  CHECK(has(pixels.cause(), "the range of 8-bit pixels converted to float without scaling"));
  CHECK(has(pixels.cause(), "'conv' (Conv2D) computes on values up to 255"));
  CHECK(has(pixels.fix(), "Rescaling(1.0 / 255)"));
  CHECK(has(pixels.fix(), "WarningMode::off"));
  auto raw = capture("input.range", [&] { m.fit(images(-1200, 3400), kLabels, raising()); });
  CHECK(has(raw.cause(), "spans -1200 to 3400, with negative values: not pixels"));
  CHECK(has(raw.expected(), "values within about [-50, 50] at 'conv' (Conv2D)"));
  CHECK(has(raw.fix(), "(x - mean) / std"));
  CHECK(!has(raw.fix(), "255"));
  CHECK(pixels.cause() != raw.cause());
  CHECK(pixels.fix() != raw.fix());
  // Ages 0..90 in a table are not pixels, though they lie within 0..255.
  auto in = Input({3}, {.name = "person"});
  Model mlp(in, Dense(2, {.seed = 1, .name = "dense_in"})(in));
  mlp.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor ages = Tensor::from_vector(std::vector<float>{20, 90, 1, 35, 0, 64}, {2, 3});
  auto table = capture("input.range", [&] { mlp.fit(ages, Tensor::zeros({2}, DType::i32), raising()); });
  CHECK(has(table.cause(), "spans 0 to 90: not scaled features"));
  CHECK(has(table.cause(), "'dense_in' (Dense) computes on values of that size"));
  CHECK(!has(table.what(), "pixel"));
}

TEST_CASE("input.range: data scaled already meets a Rescaling(1/255): standardised, or 0/1 bytes") {
  Model m = image_model(Rescaling(1.0 / 255, 0.0, {.name = "scale"}));
  auto standard = capture("input.range", [&] { m.fit(images(-2.5, 2.5), kLabels, raising()); });
  CHECK(has(standard.cause(), "centred near 0 (already standardised)"));
  CHECK(has(standard.cause(), "'scale' (Rescaling) (x * 0.00392157) turns them into"));
  CHECK(has(standard.cause(), "scaled twice"));
  CHECK(has(standard.fix(), "remove the Rescaling"));
  CHECK(has(standard.actual(), "after 'scale' (Rescaling)"));
  Model bytes = image_model(Rescaling(1.0 / 255, 0.0, {.name = "scale"}), DType::u8);
  auto binary = capture("input.range", [&] { bytes.fit(images(0, 1).astype(DType::u8), kLabels, raising()); });
  CHECK(has(binary.cause(), "uint8 data holding only 0 and 1"));
  CHECK(has(binary.fix(), "binary data needs no scaling"));
  CHECK(standard.cause() != binary.cause());
  CHECK(standard.fix() != binary.fix());
  // uint8 levels 0..3 through Rescaling(1/255): not scaled twice (they are not within [0, 1]),
  // but far below the pixels the Rescaling is set for.
  auto levels = capture("input.range", [&] { bytes.fit(images(0, 3).astype(DType::u8), kLabels, raising()); });
  CHECK(has(levels.cause(), "the data of Input 'photo' spans 0 to 3, far below the values up to 255 "
                            "that 'scale' (Rescaling) is set for (not 0..255 pixels)"));
  CHECK(!has(levels.cause(), "within [0, 1]"));
  CHECK(!has(levels.cause(), "scaled twice"));
  CHECK(has(levels.fix(), "Rescaling(1.0 / 3)"));
  // 16-bit values through the same Rescaling come out far above 1: its scale is named.
  auto wide = capture("input.range", [&] { m.fit(images(0, 65535), kLabels, raising()); });
  CHECK(has(wide.fix(), "Rescaling(1.0 / 65535)"));
}

TEST_CASE("input.range is a warning printed once by default, silenced by WarningMode::off") {
  Model m = image_model();
  History h;
  const std::string printed = stderr_of([&] {
    h = m.fit(images(0, 255), kLabels, {.epochs = 2, .batch_size = 2, .verbose = 0});
  });
  CHECK(h.history["loss"].size() == 2);  // fit trained anyway
  CHECK(has(printed, "tenet warning: [input.range]"));
  CHECK(printed.find("[input.range]") == printed.rfind("[input.range]"));  // once, not per batch
  const std::string silent = stderr_of([&] {
    h = m.fit(images(0, 255), kLabels, {.verbose = 0, .warnings = WarningMode::off});
  });
  CHECK(silent.empty());
  CHECK(h.history["loss"].size() == 1);
}

TEST_CASE("input.range stays silent for the ranges a model was built for") {
  // Standardised data without Rescaling, 0..255 with Rescaling(1/255), any range into a
  // BatchNormalization first: fit trains without a warning even when warnings raise.
  Model plain = image_model();
  CHECK(plain.fit(images(-3, 3), kLabels, raising()).history["loss"].size() == 1);
  Model scaled = image_model(Rescaling(1.0 / 255));
  CHECK(scaled.fit(images(0, 255), kLabels, raising()).history["loss"].size() == 1);
  Model normed = image_model(BatchNorm());
  CHECK(normed.fit(images(0, 255), kLabels, raising()).history["loss"].size() == 1);
  // A Resizing is looked past: the Conv2D after it computes on the values as they come.
  Model resized = image_model(Resizing(8, 8));
  auto e = capture("input.range", [&] { resized.fit(images(0, 255), kLabels, raising()); });
  CHECK(has(e.cause(), "'conv' (Conv2D) computes on values"));
}

TEST_CASE("input.range on a Dataset: the first batch of fit, named with the fit's line") {
  Model m = image_model();
  auto ds = data::Dataset::from_tensors({images(0, 255)}, kLabels);
  const unsigned line = __LINE__; auto e = capture("input.range", [&] { m.fit(ds, raising()); });
  CHECK(e.called_at() == contracts_test::at(__FILE__, line));
  CHECK(has(e.where(), "'photo' (InputLayer)"));
}

}  // TEST_SUITE
