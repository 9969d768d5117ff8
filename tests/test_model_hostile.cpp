// Suite "model", part "hostile": layers and models given sizes whose counts overflow or exceed
// the machine, and empty (default-constructed) SymbolicTensor and Layer handles.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <string>

#include <tenet/tenet.hpp>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("model") {

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

TEST_CASE("hostile sizes: Dense(10^12) names the layer and the bytes instead of bad_alloc") {
  auto e = capture([] { (void)Dense(1000000000000LL, {.name = "wide"})(Input({1})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "wide");
  CHECK(e.phase() == Phase::build);
  CHECK(e.actual() == "(1, 1000000000000)");
  CHECK(has(e, "4000000000000 bytes"));
  // Eagerly too, and the layer stays unbuilt so a later call can still fail the same way.
  Dense d(1000000000000LL, {.name = "wide_eager"});
  e = capture([&] { (void)d(Tensor::ones({2, 3})); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "wide_eager");
  CHECK(d.weights().empty());
}

TEST_CASE("empty handles: layers, models and Sequential name the argument") {
  SymbolicTensor x = Input({4});
  auto e = capture([&] { (void)Dense(2, {.name = "d"})(SymbolicTensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the input of 'd'"));
  CHECK(has(e, "empty SymbolicTensor"));
  e = capture([&] { (void)Dense(2, {.name = "d_eager"})(Tensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the input of 'd_eager'"));
  e = capture([&] { (void)Concatenate(-1, {.name = "cat"})({x, SymbolicTensor()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 2nd input of 'cat'"));
  e = capture([&] { (void)Layer()(x); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "empty Layer"));
  e = capture([&] { (void)Layer()(Tensor::ones({1, 4})); });
  CHECK(e.code() == "options.invalid");
  e = capture([&] { (void)Layer().name(); });
  CHECK(has(e, "the Layer whose name() was called"));
  e = capture([&] { Model m{SymbolicTensor(), SymbolicTensor()}; });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 1st input of Model"));
  SymbolicTensor y = Dense(1)(x);
  e = capture([&] { Model m({x, SymbolicTensor()}, y); });
  CHECK(has(e, "the 2nd input of Model"));
  e = capture([&] { Model m({x}, std::vector<SymbolicTensor>{y, SymbolicTensor()}); });
  CHECK(has(e, "the 2nd output of Model"));
  e = capture([&] { Sequential s({Input({4}), Dense(2), Layer()}); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the 3rd element of Sequential"));
  e = capture([&] { (void)SymbolicTensor().shape(); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e, "the SymbolicTensor whose shape() was called"));
  Model m(x, y);
  e = capture([&] { (void)m.call({}); });  // an internal error before
  CHECK(e.code() == "input.count");
  Dense d(2, {.name = "dw"});
  (void)d(x);
  e = capture([&] { d.set_weights({Tensor(), Tensor::zeros({2})}); });
  CHECK(has(e, "the 1st value given to set_weights of 'dw'"));
}

}  // TEST_SUITE
