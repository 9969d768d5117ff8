// Layer numbering follows Keras 3 (model.layers, weights-file groups) for branched models:
// Keras-written weights files of models whose branches differ in depth load into the same
// model built in tenet and predict what Keras predicted.
#include <doctest/doctest.h>

#include "support/keras_fixtures.hpp"
#include "support/test_util.hpp"

using namespace tenet;
namespace kf = tenet::keras_fixtures;

namespace {

std::vector<std::string> names(const Model& m) {
  std::vector<std::string> out;
  for (const auto& l : m.layers()) out.push_back(l.name());
  return out;
}

// scripts/make_keras_fixtures.py branch_swap(): the short branch's Conv2D and the deep
// branch's first Conv2D both have a (3, 3, 2, 3) kernel.
Model branch_swap() {
  auto x = Input({6, 6, 2}, {.name = "image"});
  auto shortc = Conv2D(3, {3, 3}, {.padding = Padding::same, .name = "conv2d"})(x);
  auto deep = Conv2D(3, {3, 3}, {.padding = Padding::same, .activation = Activation::relu,
                                 .name = "conv2d_1"})(x);
  deep = Conv2D(3, {3, 3}, {.padding = Padding::same, .name = "conv2d_2"})(deep);
  auto z = Concatenate(-1, {.name = "concatenate"})({shortc, deep});
  z = GlobalAveragePooling2D({.name = "global_average_pooling2d"})(z);
  return Model(x, Dense(2, {.name = "dense"})(z), "branch_swap");
}

// branch_multi(): two inputs, the shorter branch first in the Concatenate.
Model branch_multi() {
  auto image = Input({8, 8, 1}, {.name = "image"});
  auto thumb = Input({4, 4, 1}, {.name = "thumb"});
  auto a = Conv2D(4, {2, 2}, {.activation = Activation::relu, .name = "conv2d"})(image);
  a = Conv2D(6, {3, 3}, {.name = "conv2d_1"})(a);
  a = GlobalMaxPooling2D({.name = "global_max_pooling2d"})(a);
  auto b = Conv2D(6, {3, 3}, {.name = "conv2d_2"})(thumb);
  b = GlobalAveragePooling2D({.name = "global_average_pooling2d"})(b);
  auto z = Concatenate(-1, {.name = "concatenate"})({b, a});
  return Model({image, thumb}, Dense(3, {.activation = Activation::softmax, .name = "dense"})(z),
               "branch_multi");
}

}  // namespace

TEST_CASE("keras order: model.layers is Keras's order (deepest first, then first visit)") {
  // Keras 3.15 printed these lists for the fixtures (scripts/make_keras_fixtures.py).
  CHECK(names(branch_swap()) == std::vector<std::string>{"image", "conv2d_1", "conv2d",
                                                          "conv2d_2", "concatenate",
                                                          "global_average_pooling2d", "dense"});
  CHECK(names(branch_multi()) ==
        std::vector<std::string>{"image", "thumb", "conv2d", "conv2d_2", "conv2d_1",
                                 "global_average_pooling2d", "global_max_pooling2d",
                                 "concatenate", "dense"});
}

TEST_CASE("keras order: equal-shaped layers of branches of different depth are not swapped") {
  // With a depth-first numbering this file loaded without complaint into swapped layers.
  Model m = branch_swap();
  m.load_weights(kf::path("branch_swap.weights.h5"));
  const kf::IO io = kf::io("branch_swap");
  CHECK(kf::max_diff(m.predict(io.x), io.pred) < 1e-5);
}

TEST_CASE("keras order: a two-input model with branches of different depth loads") {
  // Before: checkpoint.mismatch (layers/conv2d_1: file (3, 3, 4, 6), model (3, 3, 1, 6)).
  Model m = branch_multi();
  m.load_weights(kf::path("branch_multi.weights.h5"));
  const kf::IO io = kf::io("branch_multi");
  CHECK(kf::max_diff(m.predict(io.x), io.pred) < 1e-5);
}

TEST_CASE("keras order: tenet's weights file of a branched model numbers layers as Keras") {
  Model a = branch_multi();
  a.load_weights(kf::path("branch_multi.weights.h5"));
  testing::TempDir dir;
  const std::string file = dir.file("order.weights.h5");
  a.save_weights(file);
  Model b = branch_multi();
  b.load_weights(file);
  const kf::IO io = kf::io("branch_multi");
  CHECK(kf::max_diff(b.predict(io.x), io.pred) < 1e-5);
  auto arrays = data::load_h5(file, {"layers/conv2d_1/vars/0", "layers/conv2d_2/vars/0"});
  CHECK(arrays.at("layers/conv2d_1/vars/0").shape() == Shape{3, 3, 1, 6});  // thumb's conv
  CHECK(arrays.at("layers/conv2d_2/vars/0").shape() == Shape{3, 3, 4, 6});
}
