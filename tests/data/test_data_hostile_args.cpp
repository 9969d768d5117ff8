// Suite "data": arguments of the preprocessing, report and image helpers that no caller should
// pass, each refused naming the user's call and argument (review 51, findings 10.3, 10.5, 10.6
// and 11): empty handles, crop sizes below 1, ConfusionMatrixLogger's x and y, enum values that
// are no enumerator, and confusion matrices too large to draw.
#include <doctest/doctest.h>

#include <filesystem>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

namespace {

// The facts of an empty Tensor passed as `argument` to `call`.
void names_empty(const ContractError& e, const std::string& argument, const std::string& call) {
  INFO(e.what());
  CHECK(e.info().summary == argument + " = an empty Tensor is outside its valid range");
  CHECK(e.site().name == call);
  CHECK(!has(e.what(), "was called"));  // old: "the Tensor whose shape() was called"
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("options.invalid: an empty Tensor given to a preprocessing call names the call") {
  const Tensor none;
  names_empty(capture("options.invalid", [&] { (void)one_hot(none, 3); }), "one_hot's labels", "one_hot");
  names_empty(capture("options.invalid", [&] { (void)to_float(none); }), "to_float's x", "to_float");
  names_empty(capture("options.invalid", [&] { (void)data::pad_to(none, {4, 4}); }),
              "pad_to's images", "pad_to");
  names_empty(capture("options.invalid", [&] { (void)data::center_crop(none, {4, 4}); }),
              "center_crop's images", "center_crop");
  names_empty(capture("options.invalid", [&] { (void)data::random_flip_left_right(none, 1); }),
              "random_flip_left_right's images", "random_flip_left_right");
  const Tensor y = Tensor::zeros({3}, DType::i32);
  names_empty(capture("options.invalid", [&] { (void)confusion_matrix(none, y, 3); }),
              "confusion_matrix's labels", "confusion_matrix");
  names_empty(capture("options.invalid", [&] { (void)confusion_matrix(y, none, 3); }),
              "confusion_matrix's predicted", "confusion_matrix");
}

TEST_CASE("resize.size: center_crop and pad_to to a size below 1, as resize") {
  const Tensor images = Tensor::ones({2, 8, 8, 3});
  auto neg = capture("resize.size", [&] { (void)data::center_crop(images, {-2, 4}); });
  CHECK(neg.info().summary == "center_crop needs a positive target size");
  CHECK(neg.actual() == "(-2, 4)");
  CHECK(has(neg.cause(), "the target's height is -2"));
  CHECK(!has(neg.what(), "cannot enlarge"));
  // old: (2, 0, 0, 3), empty images, returned silently
  auto zero = capture("resize.size", [&] { (void)data::center_crop(images, {0, 0}); });
  CHECK(has(zero.cause(), "the target's height is 0"));
  auto pad = capture("resize.size", [&] { (void)data::pad_to(images, {8, -1}); });
  CHECK(pad.info().summary == "pad_to needs a positive target size");
  CHECK(has(pad.cause(), "the target's width is -1"));
  CHECK(data::center_crop(images, {1, 1}).shape() == Shape{2, 1, 1, 3});
}

TEST_CASE("ConfusionMatrixLogger checks its x and y when training begins, naming its y") {
  testing::TempDir dir;
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 1})(in), "small");
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::uniform({4, 4}, 1), y = Tensor::zeros({4}, DType::i32);
  const std::vector<Tensor> before = testing::clones(m.weights());
  // old: a whole epoch of training, then compare.shape from confusion_matrix
  auto len = capture("batch.mismatch", [&] {
    m.fit(x, y, {.verbose = 0, .callbacks = {ConfusionMatrixLogger(dir.file("cm.svg"), {x},
                                                                   Tensor::zeros({3}, DType::i32))}});
  });
  CHECK(len.info().summary == "ConfusionMatrixLogger's y holds 3 labels for 4 samples of its x[0]");
  CHECK(len.site().name == "ConfusionMatrixLogger");
  CHECK(len.expected() == "4 labels (one per sample of its x[0] (4, 4))");
  CHECK(len.actual() == "3 labels (3,)");
  CHECK(testing::bitwise_equal(m.weights(), before));
  // old: named "predict's x", after an epoch
  auto undefined = capture("options.invalid", [&] {
    m.fit(x, y, {.verbose = 0, .callbacks = {ConfusionMatrixLogger(dir.file("cm.svg"), {Tensor()}, y)}});
  });
  CHECK(has(undefined.info().summary, "ConfusionMatrixLogger's x[0] = an empty Tensor"));
  CHECK(testing::bitwise_equal(m.weights(), before));
  CHECK(!std::filesystem::exists(dir.file("cm.svg")));
}

TEST_CASE("options.invalid: a ColorMode that is none of its enumerators") {
  const auto bad = static_cast<data::ColorMode>(7);
  auto folder = capture("options.invalid", [&] {
    (void)data::image_folder("/nonexistent", {.color_mode = bad});
  });
  CHECK(has(folder.what(), "ImageFolderOptions::color_mode"));
  CHECK(folder.actual() == "ColorMode(7)");
  CHECK(folder.expected() == "one of ColorMode::rgb, ColorMode::grayscale or ColorMode::rgba");
  // old: decoded as 4 channels
  auto decode = capture("options.invalid", [&] {
    (void)data::decode_image({0x89, 'P', 'N', 'G'}, "x.png", static_cast<data::ColorMode>(9));
  });
  CHECK(has(decode.what(), "decode_image mode"));
  CHECK(decode.actual() == "ColorMode(9)");
  CHECK(std::string(data::color_mode_name(data::ColorMode::grayscale)) == "grayscale");
}

TEST_CASE("options.invalid: confusion_svg of more than 1000 classes points to top_confusions") {
  auto e = capture("options.invalid", [] { (void)confusion_svg(Tensor::zeros({1001, 1001}, DType::i64)); });
  CHECK(has(e.what(), "confusion_svg's matrix"));
  CHECK(e.actual() == "(1001, 1001)");
  CHECK(e.expected() == "at most 1000 classes a side");
  CHECK(has(e.cause(), "1001 x 1001 cells, about 160 MB of SVG"));
  CHECK(has(e.fix(), "top_confusions(matrix, 20)"));
  CHECK(has(confusion_svg(Tensor::zeros({3, 3}, DType::i64)), "</svg>"));
}

}  // TEST_SUITE
