// Suite "layers": the tests of conv2d_contracts.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("layers") {

TEST_CASE("conv.rank: the channel axis is missing, or an extra axis") {
  clear_session();
  Conv2D conv(8, {3, 3}); const unsigned line = __LINE__;
  auto e = capture("conv.rank", [&] { (void)conv(Input({28, 28}, {.name = "gray"})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'conv2d' (Conv2D) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, channels)");
  CHECK(e.actual() == "(None, 28, 28)");
  CHECK(has(e.cause(), "channel axis is missing"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
  auto five = capture("conv.rank", [&] { (void)MaxPool2D()(Input({4, 28, 28, 1})); });
  CHECK(has(five.cause(), "batched twice"));
  auto run = capture("conv.rank", [&] { (void)conv(Tensor::zeros({28, 28, 1})); });
  CHECK(run.phase() == Phase::run);
  CHECK(has(run.fix(), "expand_dims(x, 0)"));
}

TEST_CASE("conv.channels: four channels into a layer built for three") {
  clear_session();
  Conv2D conv(8, {3, 3}, {.padding = Padding::same}); const unsigned line = __LINE__;
  (void)conv(Input({32, 32, 3}, {.name = "rgb"}));
  auto e = capture("conv.channels", [&] { (void)conv(Input({32, 32, 4}, {.name = "rgba"})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 32, 32, 3)");
  CHECK(e.actual() == "(None, 32, 32, 4)");
  CHECK(e.info().marked == std::vector<int>{3});
  CHECK(has(e.cause(), "RGBA"));
  CHECK(has(e.cause(), "(3, 3, 3, 8)"));
  CHECK(has(e.fix(), "slice(x, -1, 0, 3)"));
  auto gray = capture("conv.channels", [&] { (void)conv(Tensor::zeros({1, 8, 8, 1})); });
  CHECK(gray.phase() == Phase::run);
  CHECK(has(gray.cause(), "grayscale"));
}

TEST_CASE("conv.too_small: the size arithmetic after two poolings") {
  clear_session();
  auto x = MaxPool2D()(MaxPool2D()(Input({16, 16, 3})));
  Conv2D conv(8, {5, 5}); const unsigned line = __LINE__;
  auto e = capture("conv.too_small", [&] { (void)conv(x); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(None, 4, 4, 3)");
  CHECK(e.expected() == "(None, >=5, >=5, 3)");
  CHECK(has(e.cause(), "(4 - 5)/1 + 1 = 0"));
  CHECK(has(e.fix(), "padding \"same\""));
  CHECK(has(e.fix(), "fewer pooling"));
  auto pool = capture("conv.too_small", [&] { (void)MaxPool2D({3, 3})(Tensor::zeros({1, 2, 8, 1})); });
  CHECK(pool.phase() == Phase::run);
  CHECK(pool.info().marked == std::vector<int>{1});
}


// A built layer skips the checks of an input shape and dtype it already passed
// (core/graph/layer.cpp, CheckedInputs): every other input is still checked in full.
TEST_CASE("a new input shape or dtype after repeated calls still meets the contracts") {
  clear_session();
  Conv2D conv(8, {3, 3});
  Dense dense(4);
  for (int i = 0; i < 3; ++i) {  // built on the first call, checked and kept on the second
    CHECK(conv(Tensor::zeros({1, 8, 8, 3})).shape() == Shape{1, 6, 6, 8});
    CHECK(dense(Tensor::zeros({2, 5})).shape() == Shape{2, 4});
  }
  auto channels = capture("conv.channels", [&] { (void)conv(Tensor::zeros({1, 8, 8, 4})); });
  CHECK(channels.phase() == Phase::run);
  CHECK(channels.actual() == "(1, 8, 8, 4)");
  auto small = capture("conv.too_small", [&] { (void)conv(Tensor::zeros({1, 2, 2, 3})); });
  CHECK(has(small.cause(), "(2 - 3)/1 + 1 = 0"));
  auto ints = capture("input.dtype", [&] { (void)conv(Tensor::zeros({1, 8, 8, 3}, DType::i32)); });
  CHECK(has(ints.actual(), "int32"));
  auto features = capture("dense.features", [&] { (void)dense(Tensor::zeros({2, 6})); });
  CHECK(features.actual() == "(2, 6)");
  CHECK(conv(Tensor::zeros({1, 8, 8, 3})).shape() == Shape{1, 6, 6, 8});  // the kept one still runs
}

TEST_CASE("hostile api: Conv2D on a tensor of 0 channels is conv.channels, forward and backward") {
  // oneDNN refused the shapes and tenet raised InternalError ("a bug in tenet").
  clear_session();
  const Tensor rgb = Tensor::uniform({2, 8, 8, 3}, 1);
  const Tensor none = slice(rgb, 3, 3, 3);  // channels 3..3 of an RGB image: (2, 8, 8, 0)
  REQUIRE(none.shape() == Shape{2, 8, 8, 0});
  Conv2D conv(4, {3, 3}); const unsigned line = __LINE__;
  auto e = capture("conv.channels", [&] { (void)conv(none); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'conv2d' (Conv2D) created at " + at(__FILE__, line)));
  CHECK(has(e.info().summary, "Conv2D needs at least 1 input channel, but the input has 0"));
  CHECK(e.expected() == "(2, 8, 8, >=1)");
  CHECK(e.actual() == "(2, 8, 8, 0)");
  CHECK(has(e.cause(), "its kernel (3, 3, 0, 4) would hold no weight"));
  CHECK(has(e.fix(), "slice(x, 3, begin, end) selects none when end <= begin"));
  // With a gradient to compute (the backward pass is planned with the forward), with an empty
  // batch as well, and a 1x1 kernel: the same refusal, and the layer stays unbuilt.
  Tensor x = Tensor::zeros({2, 8, 8, 0}).requires_grad(true);
  capture("conv.channels", [&] { conv(x).sum().backward(); });
  Conv2D one(4, {1, 1});
  auto empty = capture("conv.channels", [&] { (void)one(Tensor::zeros({0, 4, 4, 0})); });
  CHECK(empty.actual() == "(0, 4, 4, 0)");
  CHECK(has(empty.cause(), "its kernel (1, 1, 0, 4)"));
  CHECK(conv.weights().empty());
  CHECK(conv(rgb).shape() == Shape{2, 6, 6, 4});  // built by the first good call
  CHECK(one(Tensor::zeros({0, 4, 4, 3})).shape() == Shape{0, 4, 4, 4});  // an empty batch runs
}

}  // TEST_SUITE
