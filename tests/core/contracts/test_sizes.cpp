// Suite "core/contracts": the tests of sizes.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core/contracts") {

TEST_CASE("hostile sizes: element and byte counts are multiplied with overflow checks") {
  // 2^62 float32 elements need 2^64 bytes: the byte count wrapped to 0 before.
  auto e = capture([] { (void)Tensor::zeros({1LL << 62}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(4611686018427387904,)");
  CHECK(has(e, "exceeds what can be addressed"));
  // The element count itself overflows a 64-bit count.
  e = capture([] { (void)Tensor::ones({1LL << 32, 1LL << 32, 4}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(4294967296, 4294967296, 4)");
  e = capture([] { (void)Shape({1LL << 40, 1LL << 40}).numel(); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "(1099511627776, 1099511627776)"));
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2}, {1LL << 32, 1LL << 32}); });
  CHECK(e.code() == "options.invalid");
  e = capture([] { (void)Tensor::randn({1LL << 31, 1LL << 31, 1LL << 31}, 1); });
  CHECK(e.code() == "options.invalid");
  // A zero makes the tensor empty whatever the other sizes: no overflow, no error.
  CHECK(Tensor::zeros({0, 1LL << 62}).numel() == 0);
  // Concatenated sizes are summed with a check too.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 4;
  e = capture([&] {
    (void)checks::concat_shape({Shape{kUnknown, big}, Shape{kUnknown, 10}}, -1,
                               Site("concat", "op"), Phase::build);
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, std::to_string(big) + " + 10"));
}

TEST_CASE("hostile sizes: a tensor larger than the machine's memory is refused, not bad_alloc") {
  // 2^40 float32 elements = 4 TiB: std::bad_alloc (or a crash in memset) before.
  auto e = capture([] { (void)Tensor::zeros({1LL << 40}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "(1099511627776,)");
  CHECK(has(e, "4398046511104 bytes"));
  CHECK(has(e, "more than this machine's memory"));
  e = capture([] { (void)Tensor::full({1LL << 20, 1LL << 20}, 1.0, DType::f64); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "8796093022208 bytes"));
}

TEST_CASE("hostile sizes: negative sizes are refused with their value") {
  auto e = capture([] { (void)Tensor::zeros({-5, 3}); });
  CHECK(e.code() == "tensor.shape");
  CHECK(e.actual() == "(-5, 3)");
  CHECK(has(e, "axis 0 is -5, a negative size"));
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2}, {2, -1}); });
  CHECK(e.code() == "tensor.shape");
  e = capture([] { (void)Tensor::arange(-3); });  // a count, not a shape: its argument named
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "Tensor::arange n = -3"));
  e = capture([] { (void)Input({28, -5}); });
  CHECK(e.code() == "input.shape");
  CHECK(has(e, "axis 1 of the sample shape is -5, a negative size"));
  e = capture([] { (void)Shape({kUnknown, 3}).numel(); });
  CHECK(e.code() == "tensor.shape");
}

TEST_CASE("hostile sizes: Input, Flatten, Dense and Conv2D refuse unaddressable sizes") {
  // One sample of 2^62 float32 values needs 2^64 bytes: Dense(1) on it crashed before.
  auto e = capture([] { (void)Dense(1)(Input({1LL << 62})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.phase() == Phase::build);
  CHECK(has(e, "(None, 4611686018427387904)"));
  CHECK(has(e, "exceeds what can be addressed"));
  // Flatten of (2^62, 2^62) gave (None, 0).
  e = capture([] { (void)Flatten()(Input({1LL << 62, 1LL << 62})); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "(None, 4611686018427387904, 4611686018427387904)"));
  // A kernel of 2^40 filters needs 36 TiB: refused at build, naming the layer and the shape.
  e = capture([] { (void)Conv2D(1LL << 40, {3, 3}, {.name = "huge"})(Input({28, 28, 1})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "huge");
  CHECK(e.actual() == "(3, 3, 1, 1099511627776)");
  // Windows, strides and padding beyond the convolution kernel's 32-bit sizes: an internal
  // error (a raw oneDNN failure) before.
  e = capture([] {
    (void)Conv2D(8, {1LL << 40, 1LL << 40}, {.padding = Padding::same, .name = "wide"})(
        Input({28, 28, 1}));
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "'wide' kernel size, strides and dilation"));
  e = capture([] {
    (void)Conv2D(2, {3, 3}, {.strides = {1LL << 40, 1}})(Tensor::ones({1, 28, 28, 1}));
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "strides 1099511627776x1"));
  // A dilated window whose extent overflows is simply larger than the input.
  e = capture([] {
    (void)Conv2D(1, {3, 3}, {.dilation = {1LL << 62, 1}})(Input({28, 28, 1}));
  });
  CHECK(e.code() == "conv.too_small");
}

}  // TEST_SUITE
