// Causes of concat.rank, concat.shape, concat.axis and elementwise.shape name the side to change.
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

TEST_CASE("concat.rank says which side to Flatten, or which to Reshape") {
  auto images = Input({16, 16, 8}, {.name = "maps"});
  auto vec = Input({10}, {.name = "meta"});
  auto flat = raised("concat.rank", [&] { (void)Concatenate()({images, vec}); });
  CHECK(has(flat.fix(), "bring 'maps' (InputLayer) output (None, 16, 16, 8) down to rank 2"));
  CHECK(has(flat.fix(), "(None, 2048)"));
  CHECK(has(flat.fix(), "GlobalAveragePooling2D() it (-> (None, 8))"));
  auto seq = Input({5, 10}, {.name = "seq"});
  auto up = raised("concat.rank", [&] { (void)Concatenate()({images, seq}); });
  // (None, 1, 5, 10) would not join (None, 16, 16, 8) on any axis: both are flattened.
  CHECK(has(up.fix(), "Flatten() both sides and join them as features ('maps' (InputLayer) output "
                      "(None, 16, 16, 8) -> (None, 2048), 'seq' (InputLayer) output (None, 5, 10) -> (None, 50))"));
  CHECK(!has(up.fix(), "Reshape({1, 5, 10})"));
  differ(flat, up);
  // Rows of an image: (None, 8, 3) becomes one more row of (None, 8, 8, 3) on axis 1.
  auto rows = Input({8, 3}, {.name = "row"});
  auto img = Input({8, 8, 3}, {.name = "img"});
  auto row = raised("concat.rank", [&] { (void)Concatenate()({img, rows}); });
  CHECK(has(row.fix(), "Reshape 'row' (InputLayer) output (None, 8, 3) to rank 4 (Reshape({1, 8, 3})) "
                       "and join on axis 1 (Concatenate(1))"));
}

TEST_CASE("concat.shape: image branches of other sizes, or feature widths on a wrong join axis") {
  auto a = Input({16, 16, 8}), b = Input({32, 32, 8});
  auto spatial = raised("concat.shape", [&] { (void)Concatenate()({a, b}); });
  CHECK(has(spatial.fix(), "MaxPool2D({2, 2})"));
  auto c = Input({4, 8}), d = Input({6, 8});
  auto rows = raised("concat.shape", [&] { (void)Concatenate(-1)({c, d}); });
  CHECK(has(rows.fix(), "or join on a different axis"));
  differ(spatial, rows);
}

TEST_CASE("concat.axis and reduce.axis: one past the last axis, or too far back") {
  auto a = Input({16, 16, 8});
  auto past = raised("concat.axis", [&] { (void)Concatenate(4)({a, a}); });
  CHECK(has(past.cause(), "axis 4 counts one past it"));
  auto back = raised("concat.axis", [&] { (void)Concatenate(-5)({a, a}); });
  CHECK(has(back.cause(), "negative axes count back from -1"));
  differ(past, back);
  auto r1 = raised("reduce.axis", [] { (void)Tensor::zeros({3, 4}).sum(2); });
  auto r2 = raised("reduce.axis", [] { (void)Tensor::zeros({3, 4}).sum(-3); });
  differ(r1, r2);
}

TEST_CASE("elementwise.shape (Add): image sizes differ, or only the channels") {
  auto hw = raised("elementwise.shape", [] { (void)Add()({Input({28, 28, 3}), Input({14, 14, 3})}); });
  CHECK(has(hw.fix(), "make both branches 28x28"));
  auto in = Input({8, 8, 3});
  auto ch = raised("elementwise.shape", [&] {
    (void)Add()({Conv2D(16, {1, 1})(in), Conv2D(32, {1, 1}, {.name = "wide"})(in)});
  });
  CHECK(has(ch.fix(), "give 'wide'"));
  CHECK(has(ch.fix(), "last layer of that branch, 16 filters"));
  CHECK(has(ch.fix(), "Concatenate"));
  differ(hw, ch);
  auto rank = raised("elementwise.shape", [] { (void)Multiply()({Input({8, 8, 4}), Input({10})}); });
  CHECK(has(rank.fix(), "Flatten() it"));
}

TEST_CASE("sequences: concat.shape and elementwise.shape name an unnamed axis with its sizes") {
  auto a = Input({5, 10}, {.name = "short"}), b = Input({6, 10}, {.name = "long"});
  auto cat = raised("concat.shape", [&] { (void)Concatenate()({a, b}); });
  CHECK(has(cat.cause(), "differ in axis 1: 5 vs 6"));
  auto one = raised("elementwise.shape", [] { (void)(Tensor::zeros({8, 16, 32}) + Tensor::zeros({8, 16, 30})); });
  CHECK(has(one.cause(), "axis 2 (32 vs 30) differs and neither side is 1"));
  auto two = raised("elementwise.shape", [] { (void)(Tensor::zeros({8, 16, 32}) + Tensor::zeros({8, 12, 30})); });
  CHECK(has(two.cause(), "axes 1 (16 vs 12), 2 (32 vs 30) differ and neither side is 1"));
}
