// Suite "layers": the tests of concatenate.
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

TEST_CASE("concat.shape: the issue's model, a pooled branch against a 5x5 valid branch") {
  clear_session();
  auto in = Input({32, 32, 3}, {.name = "image"});
  auto a = Conv2D(32, {3, 3}, {.padding = Padding::same})(in);
  a = MaxPool2D({2, 2})(a);
  auto b = Conv2D(64, {5, 5})(in);
  Concatenate cat; const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b}); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'concatenate' (Concatenate)"));
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "(None, 16, 16, 64)");
  CHECK(e.actual() == "(None, 28, 28, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  const std::string w = e.what();
  CHECK(has(w, "(None, 16, 16, 32)"));  // both inputs shown
  CHECK(has(w, "(None, 28, 28, 64)"));
  CHECK(has(w, "                   ^^  ^^\n"));  // height and width marked
  // provenance: one branch pooled to 16x16, the other a 5x5 valid convolution on 32x32
  REQUIRE(e.provenance().size() == 4);
  CHECK(has(e.provenance()[2], "max_pooling2d (MaxPool2D 2x2): (None, 32, 32, 32) -> (None, 16, 16, 32)"));
  CHECK(has(e.provenance()[3], "conv2d_1 (Conv2D 5x5, valid): (None, 32, 32, 3) -> (None, 28, 28, 64)"));
  // the cause names the branch layer that produced the odd size, from the graph
  CHECK(has(e.cause(), "'conv2d_1' applies a 5x5 kernel with padding \"valid\" to 32x32, giving 28x28"));
  CHECK(has(e.cause(), "'max_pooling2d' pools 32x32 to 16x16"));
  CHECK(has(e.cause(), "height 16 vs 28"));
  CHECK(has(e.fix(), "give 'conv2d_1' padding \"same\""));
  CHECK(has(e.fix(), "MaxPool2D({2, 2})"));
  CHECK(has(e.fix(), "Resizing(16, 16)"));
}

TEST_CASE("concat.shape: three inputs, the third one differing in width only") {
  clear_session();
  auto a = Input({8, 8, 4}, {.name = "a"}), b = Input({8, 8, 2}, {.name = "b"});
  auto c = Input({8, 6, 1}, {.name = "c"});
  Concatenate cat(-1, {.name = "join3"}); const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b, c}); });
  CHECK(has(e.where(), "'join3' (Concatenate) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 8, 8, 1)");
  CHECK(e.actual() == "(None, 8, 6, 1)");
  CHECK(e.info().marked == std::vector<int>{2});
  CHECK(has(e.cause(), "'c' (InputLayer)"));
  CHECK(has(e.cause(), "width 8 vs 6"));
  CHECK(has(e.fix(), "Resizing(8, 8)"));
  CHECK(cat({a, b, Input({8, 8, 1})}).shape() == Shape{kUnknown, 8, 8, 7});
}

TEST_CASE("concat.shape on another axis: joining on height, channels differ") {
  clear_session();
  auto a = Input({8, 8, 4}, {.name = "a"}), b = Input({5, 8, 3}, {.name = "b"});
  Concatenate cat(1); const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] { (void)cat({a, b}); });
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.info().marked == std::vector<int>{3});
  CHECK(e.expected() == "(None, 5, 8, 4)");
  CHECK(has(e.cause(), "channels 4 vs 3"));
  CHECK(has(e.fix(), "channels (axis 3)"));
}

TEST_CASE("concat.shape at run time: an eager call has phase run and the same facts") {
  clear_session();
  Concatenate cat; const unsigned line = __LINE__;
  auto e = capture("concat.shape", [&] {
    (void)cat({Tensor::zeros({2, 16, 16, 3}), Tensor::zeros({2, 28, 28, 3})});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.actual() == "(2, 28, 28, 3)");
  CHECK(has(e.fix(), "Resizing(16, 16)"));
}

TEST_CASE("concat.rank and concat.axis") {
  clear_session();
  Concatenate cat; const unsigned line = __LINE__;
  auto r = capture("concat.rank", [&] { (void)cat({Input({4, 4, 2}, {.name = "img"}), Input({10}, {.name = "vec"})}); });
  CHECK(r.phase() == Phase::build);
  CHECK(has(r.where(), at(__FILE__, line)));
  CHECK(r.expected() == "(None, 4, 4, 2)");
  CHECK(r.actual() == "(None, 10)");
  CHECK(has(r.cause(), "rank 4"));
  CHECK(has(r.cause(), "'vec'"));
  CHECK(has(r.fix(), "Flatten"));
  Concatenate bad(5); const unsigned line2 = __LINE__;
  auto x = Input({4, 4, 2});
  auto a = capture("concat.axis", [&] { (void)bad({x, x}); });
  CHECK(has(a.where(), at(__FILE__, line2)));
  CHECK(a.actual() == "5");
  CHECK(has(a.expected(), "[-4, 3]"));
  CHECK(has(a.cause(), "batch axis"));
  CHECK(has(a.fix(), "axis -1"));
}

TEST_CASE("Concatenate joins on each axis like NumPy") {
  clear_session();
  for (int axis : {1, 2, 3, -1, -3}) {
    int ax = axis < 0 ? axis + 4 : axis;
    Shape sa{2, 3, 4, 5}, sb = sa.with(ax, 2);
    Tensor a = Tensor::uniform(sa, 7), b = Tensor::uniform(sb, 8);
    Concatenate cat(axis);
    Tensor y = cat({a, b});
    REQUIRE(y.shape() == sa.with(ax, sa[ax] + 2));
    // Spot-check every element against the source it comes from.
    for (std::int64_t i = 0; i < y.numel(); i += 7) {
      std::vector<std::int64_t> idx(4);
      std::int64_t r = i;
      for (int d = 3; d >= 0; --d) { idx[d] = r % y.dim(d); r /= y.dim(d); }
      double want;
      if (idx[ax] < sa[ax]) want = a.at(idx);
      else { idx[ax] -= sa[ax]; want = b.at(idx); idx[ax] += sa[ax]; }
      CHECK(y.at(idx) == want);
    }
  }
  Tensor a = Tensor::uniform({2, 2, 2, 3}, 1).requires_grad(true);
  Tensor b = Tensor::uniform({2, 2, 2, 1}, 2).requires_grad(true);
  Concatenate cat;
  check_gradients([&](const std::vector<Tensor>& in) { return cat({in[0], in[1]}); }, {a, b});
}

TEST_CASE("Concatenate: symbolic shapes and its three contracts") {
  clear_session();
  auto x = Input({kUnknown, kUnknown, 32}), t = Input({kUnknown, kUnknown, 16});
  Concatenate cat;
  CHECK(cat.name() == "concatenate");
  CHECK(cat({x, t}).shape() == Shape{kUnknown, kUnknown, kUnknown, 48});
  auto a = Input({16, 16, 32}, {.name = "a"}), b = Input({28, 28, 64}, {.name = "b"});
  auto e = capture([&] { (void)Concatenate()({a, b}); });
  CHECK(e.code() == "concat.shape");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 16, 16, 64)");
  CHECK(e.actual() == "(None, 28, 28, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.fix(), "Resizing(16, 16)"));
  auto r = capture([&] { (void)Concatenate()({a, Input({10})}); });
  CHECK(r.code() == "concat.rank");
  auto ax = capture([&] { (void)Concatenate(4)({a, a}); });
  CHECK(ax.code() == "concat.axis");
  auto one = capture([&] { (void)Concatenate()(std::vector<SymbolicTensor>{a}); });
  CHECK(one.code() == "layer.input_count");
}

}  // TEST_SUITE
