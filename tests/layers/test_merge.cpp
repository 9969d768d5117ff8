// Suite "layers": the tests of merge.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <algorithm>
#include <cmath>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/layers/activation.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/dense.hpp>
#include <tenet/layers/dropout.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/global_pooling.hpp>
#include <tenet/layers/merge.hpp>
#include <tenet/layers/rescaling.hpp>
#include <tenet/layers/reshape.hpp>
#include <tenet/layers/resizing.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;

TEST_SUITE("layers") {

TEST_CASE("elementwise.shape: Add layer at build time, tensor ops at run time") {
  clear_session();
  Add add; const unsigned line = __LINE__;
  auto a = Input({28, 28, 3}, {.name = "full"}), b = MaxPool2D()(Input({28, 28, 3}, {.name = "other"}));
  auto e = capture("elementwise.shape", [&] { (void)add({a, b}); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, 3)");
  CHECK(e.actual() == "(None, 14, 14, 3)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "28 vs 14"));
  CHECK(has(e.cause(), "'max_pooling2d'"));
  auto run = capture("elementwise.shape", [&] { (void)(Tensor::zeros({4, 3}) * Tensor::zeros({4, 2})); });
  CHECK(run.phase() == Phase::run);
  CHECK(has(run.cause(), "3 vs 2"));
  CHECK(has(run.fix(), "size 1"));
}

TEST_CASE("Add and Multiply: values, gradients, None axes and elementwise.shape") {
  clear_session();
  Add add_layer;
  Multiply mul_layer;
  CHECK(add_layer.name() == "add");
  CHECK(mul_layer.name() == "multiply");
  Tensor a = Tensor::uniform({2, 3}, 1, -1, 1).requires_grad(true);
  Tensor b = Tensor::uniform({2, 3}, 2, -1, 1).requires_grad(true);
  Tensor c = Tensor::uniform({2, 3}, 3, -1, 1).requires_grad(true);
  Tensor s = add_layer({a, b, c}), p = mul_layer({a, b, c});
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j) {
      double va = a.at({i, j}), vb = b.at({i, j}), vc = c.at({i, j});
      CHECK(s.at({i, j}) == doctest::Approx(va + vb + vc).epsilon(1e-6));
      CHECK(p.at({i, j}) == doctest::Approx(va * vb * vc).epsilon(1e-6));
    }
  check_gradients([&](const std::vector<Tensor>& in) { return add_layer({in[0], in[1], in[2]}); }, {a, b, c});
  check_gradients([&](const std::vector<Tensor>& in) { return mul_layer({in[0], in[1], in[2]}); }, {a, b, c});
  auto x = Input({kUnknown, kUnknown, 8}), y = Input({32, 32, 8});
  CHECK(Add()({x, y}).shape() == Shape{kUnknown, 32, 32, 8});
  auto e = capture([] { (void)Add()({Input({28, 28, 64}), Input({14, 14, 64})}); });
  CHECK(e.code() == "elementwise.shape");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 28, 28, 64)");
  CHECK(e.actual() == "(None, 14, 14, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "height (axis 1) 28 vs 14"));
  auto bcast = capture([&] { (void)Multiply()({Tensor::zeros({2, 3}), Tensor::zeros({2, 1})}); });
  CHECK(bcast.code() == "elementwise.shape");  // merge layers do not broadcast
  CHECK(bcast.phase() == Phase::run);
  CHECK(bcast.info().marked == std::vector<int>{1});
  auto rank = capture([] { (void)Multiply()({Input({4}), Input({2, 2})}); });
  CHECK(rank.code() == "elementwise.shape");
  auto one = capture([] { (void)Add()(std::vector<Tensor>{Tensor::zeros({2})}); });
  CHECK(one.code() == "layer.input_count");
}

}  // TEST_SUITE
