// Suite "layers", part "options": every layer option outside its valid range raises
// options.invalid when the layer is made, naming the option, the value and the range, with the
// user's line in where().
#include <doctest/doctest.h>

#include <limits>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;
using tenet::testing::kInf;
using tenet::testing::kNaN;

namespace {

void check_invalid(const ContractError& e, const std::string& option, const std::string& value,
                   const std::string& range) {
  tenet::testing::check_invalid_option(e, option, value, range);
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "test_layer_options.cpp"));  // the line that made the layer
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("options.invalid: layer options outside their ranges") {
  clear_session();
  check_invalid(capture([] { (void)Dense(0); }), "Dense units", "0", "an integer >= 1");
  check_invalid(capture([] { (void)Dense(-3); }), "Dense units", "-3", ">= 1");
  check_invalid(capture([] { (void)Conv2D(0, {3, 3}); }), "Conv2D filters", "0", ">= 1");
  check_invalid(capture([] { (void)Conv2D(8, {0, 3}); }), "Conv2D kernel_size", "{0, 3}",
                "two integers >= 1");
  check_invalid(capture([] { (void)Conv2D(8, {3, 3}, {.strides = {1, -1}}); }),
                "Conv2DOptions::strides", "{1, -1}", ">= 1");
  check_invalid(capture([] { (void)Conv2D(8, {3, 3}, {.dilation = {0, 0}}); }),
                "Conv2DOptions::dilation", "{0, 0}", ">= 1");
  check_invalid(capture([] { (void)MaxPool2D({2, 0}); }), "MaxPool2D pool_size", "{2, 0}", ">= 1");
  check_invalid(capture([] { (void)MaxPool2D({2, 2}, {.strides = {0, 2}}); }),
                "MaxPool2DOptions::strides", "{0, 2}", ">= 1");
  check_invalid(capture([] { (void)Dropout(1.0); }), "Dropout rate", "1", "[0, 1)");
  check_invalid(capture([] { (void)Dropout(-0.2); }), "Dropout rate", "-0.2", "[0, 1)");
  check_invalid(capture([] { (void)Dropout(kNaN); }), "Dropout rate", "NaN", "[0, 1)");
  check_invalid(capture([] { (void)BatchNorm({.momentum = 1.5}); }), "BatchNormOptions::momentum",
                "1.5", "[0, 1]");
  check_invalid(capture([] { (void)BatchNorm({.momentum = -0.1}); }),
                "BatchNormOptions::momentum", "-0.1", "[0, 1]");
  check_invalid(capture([] { (void)BatchNorm({.epsilon = 0}); }), "BatchNormOptions::epsilon", "0",
                "a finite number > 0");
  check_invalid(capture([] { (void)BatchNorm({.epsilon = kNaN}); }), "BatchNormOptions::epsilon",
                "NaN", "> 0");
  check_invalid(capture([] { (void)Rescaling(kNaN); }), "Rescaling scale", "NaN", "a finite number");
  check_invalid(capture([] { (void)Rescaling(kInf); }), "Rescaling scale", "inf", "a finite number");
  check_invalid(capture([] { (void)Rescaling(1.0, -kInf); }), "Rescaling offset", "-inf", "finite");
  check_invalid(capture([] { (void)Resizing(0, 28); }), "Resizing height", "0", ">= 1");
  check_invalid(capture([] { (void)Resizing(28, -1); }), "Resizing width", "-1", ">= 1");
  auto two = capture([] { (void)Reshape({-1, -1}); });
  check_invalid(two, "Reshape target", "{-1, -1}", "at most one -1");
  CHECK(has(two.cause(), "2 axes are -1"));
  check_invalid(capture([] { (void)Reshape({0, 4}); }), "Reshape target", "{0, 4}", "sizes >= 1");
  auto slash = capture([] { (void)Dense(4, {.name = "encoder/dense"}); });
  check_invalid(slash, "Dense name", "'encoder/dense'", "without '/'");
  CHECK(has(slash.fix(), "'encoder_dense'"));
  // The limits themselves are valid: momentum 1 freezes the statistics, rate 0 keeps every unit.
  CHECK_NOTHROW((void)BatchNorm({.momentum = 1.0}));
  CHECK_NOTHROW((void)BatchNorm({.momentum = 0.0}));
  CHECK(Dropout(0.0)(Tensor::ones({2, 2}), {.training = true}).sum().item() == 4.0);
}

TEST_CASE("hostile api: layer names a weights file could not store or find again") {
  // "." and ".." were saved as layers/./vars and layers/../vars, a NUL cut the name short:
  // the file was written and never loaded back.
  auto dot = capture([] { (void)Dense(4, {.name = "."}); });
  check_invalid(dot, "Dense name", "'.'", "other than '.' and '..'");
  CHECK(has(dot.fix(), "e.g. 'dense'"));
  check_invalid(capture([] { (void)Conv2D(4, {3, 3}, {.name = ".."}); }), "Conv2D name", "'..'",
                "other than '.' and '..'");
  auto nul = capture([] { (void)Dense(4, {.name = std::string("head\0x", 6)}); });
  check_invalid(nul, "Dense name", "'head\\x00x'", "without '/' or NUL");
  CHECK(has(nul.where(), "'head\\x00x' (Dense)"));  // shown escaped, not cut at the NUL
  CHECK(has(nul.cause(), "cuts a name at its NUL"));
  // Dots inside a name are fine.
  CHECK(Dense(4, {.name = "head.v2"}).name() == "head.v2");
}

TEST_CASE("hostile api: a BatchNorm epsilon or Rescaling scale and offset float32 cannot hold") {
  // epsilon 1e-50 is > 0 as a double but 0 in float32: a constant feature normalised 0 / 0 = NaN
  // (Adam refuses the same epsilon).
  auto e = capture([] { (void)BatchNorm({.epsilon = 1e-50}); });
  check_invalid(e, "BatchNormOptions::epsilon", "1e-50", "a number float32 holds");
  CHECK(has(e, "1e-50 is below float32's smallest normal value, 1.2e-38"));
  CHECK(has(e, "BatchNorm computes in float32, where it becomes 0"));
  CHECK(has(e, "0 / 0 = NaN"));
  e = capture([] { (void)BatchNorm({.epsilon = 1e300}); });
  check_invalid(e, "BatchNormOptions::epsilon", "1e+300", "3.4e+38");
  CHECK(has(e, "above float32's largest value, 3.4e+38"));
  // A float32 denormal acts as 0 with denormals flushed (tenet's kernels and updates).
  CHECK(capture([] { (void)BatchNorm({.epsilon = 1e-40}); }).code() == "options.invalid");
  CHECK_NOTHROW((void)BatchNorm({.epsilon = 1e-37}));
  // Rescaling's scale and offset are float32 operands: 1e300 was an undefined conversion.
  e = capture([] { (void)Rescaling(1e300); });
  check_invalid(e, "Rescaling scale", "1e+300", "a number float32 holds");
  CHECK(has(e, "Rescaling computes in float32, where it becomes inf"));
  e = capture([] { (void)Rescaling(1.0 / 255, -1e39); });
  check_invalid(e, "Rescaling offset", "-1e+39", "a number float32 holds");
  CHECK(has(e, "-1e+39 is below float32's lowest value, -3.4e+38"));
  e = capture([] { (void)Rescaling(1e-50); });
  check_invalid(e, "Rescaling scale", "1e-50", "a number float32 holds");
  CHECK(has(e, "it becomes 0 and every output the offset"));
  CHECK_NOTHROW((void)Rescaling(0.0, -1.0));  // 0 is a float32 value
}

}  // TEST_SUITE
