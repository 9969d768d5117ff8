// Suite "core/training": the tests of model.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <cstdint>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"
#include "support/two_view_model.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
using tenet::testing::mentions;
using tenet::testing::two_view_model;

TEST_SUITE("core/training") {

TEST_CASE("model.graph: an output needing an unlisted Input, and an unused Input") {
  clear_session();
  auto a = Input({4}, {.name = "a"}), b = Input({4}, {.name = "b"});
  auto out = Add()({a, b});
  const unsigned line = __LINE__; auto e = capture("model.graph", [&] { (void)Model(a, out, "m"); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'m' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.actual(), "b (None, 4)"));
  CHECK(has(e.fix(), "Model({a, b}"));
  auto c = Input({4}, {.name = "c"});
  auto unused = capture("model.graph", [&] { (void)Model({a, b, c}, out); });
  CHECK(has(unused.actual(), "c"));
  CHECK(has(unused.fix(), "drop it"));
}

TEST_CASE("functional model: shapes inferred at build time, summary and counts") {
  clear_session();
  Model m = two_view_model();
  CHECK(m.outputs()[0].shape() == Shape{kUnknown, 3});
  // Flatten 36 + 9 = 45 features; Dense(32): 45*32+32; Dense(3): 32*3+3.
  CHECK(m.count_params() == 45 * 32 + 32 + 32 * 3 + 3);
  std::string s = m.summary_text();
  CHECK(s.find("Model: \"two_view\"") != std::string::npos);
  CHECK(s.find("image (InputLayer)") != std::string::npos);
  CHECK(s.find("concatenate (Concatenate)") != std::string::npos);
  CHECK(s.find("(None, 45)") != std::string::npos);
  CHECK(s.find("flatten, flatten_1") != std::string::npos);  // "Connected to"
  CHECK(s.find("Total params: 1,571") != std::string::npos);
  CHECK(s.find("Non-trainable params: 0") != std::string::npos);
  std::string dot = m.to_dot();
  CHECK(dot.find("digraph") != std::string::npos);
  CHECK(dot.find("label=\" (None, 36)\"") != std::string::npos);
  CHECK(m.get_layer("dense_1").weights()[0].shape() == Shape{32, 3});
}

TEST_CASE("automatic names follow Keras and user names must be unique") {
  clear_session();
  CHECK(Dense(2).name() == "dense");
  CHECK(Dense(2).name() == "dense_1");
  CHECK(Conv2D(2, {3, 3}).name() == "conv2d");
  CHECK(Dense(2, {.name = "head"}).name() == "head");
  auto x = Input({4});
  auto y = Dense(2, {.name = "same"})(Dense(3, {.name = "same"})(x));
  auto e = capture([&] { Model(x, y); });
  CHECK(e.code() == "model.graph");
  CHECK(e.actual().find("'same'") != std::string::npos);
}

TEST_CASE("model.graph: a needed Input not listed, and a listed Input unused") {
  auto a = Input({4}, {.name = "a"});
  auto b = Input({4}, {.name = "b"});
  auto z = Concatenate()({a, b});
  auto e = capture([&] { Model(a, Dense(2)(z)); });
  CHECK(e.code() == "model.graph");
  CHECK(e.phase() == Phase::build);
  CHECK(e.actual().find("b (None, 4)") != std::string::npos);
  CHECK(e.fix().find("Model({a, b}") != std::string::npos);
  CHECK(e.where().find("test_model.cpp") != std::string::npos);
  auto e2 = capture([&] { Model({a, b}, Dense(2)(a)); });
  CHECK(e2.code() == "model.graph");
  CHECK(e2.actual().find("unused: b") != std::string::npos);
}

TEST_CASE("a layer called twice shares its weights and raises dense.features on a new width") {
  auto a = Input({4});
  auto b = Input({4});
  Dense shared(3);
  auto y = Concatenate()({shared(a), shared(b)});
  Model m({a, b}, y);
  CHECK(m.count_params() == 4 * 3 + 3);  // counted once
  // ... and listed once in the summary, as Keras lists model.layers, with both calls' inputs.
  const std::string table = m.summary_text();
  const std::string row = "| " + shared.name() + " (Dense)";
  CHECK(table.find(row) != std::string::npos);
  CHECK(table.find(row, table.find(row) + 1) == std::string::npos);
  const std::string line = table.substr(table.find(row), table.find('\n', table.find(row)) - table.find(row));
  CHECK(line.find(a.name() + ", " + b.name()) != std::string::npos);
  CHECK(line.find("(None, 3)") != std::string::npos);
  Tensor xa = Tensor::randn({2, 4}, 1);
  Tensor out = m.predict({xa, xa});
  CHECK(allclose(slice(out, 1, 0, 3), slice(out, 1, 3, 6)));
  auto c = Input({8});
  auto e = capture([&] { (void)shared(c); });
  CHECK(e.code() == "dense.features");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 4)");
  CHECK(e.actual() == "(None, 8)");
}

TEST_CASE("Sequential") {
  Sequential mlp({Input({6}), Dense(8, {.activation = Activation::relu}), Dense(2)});
  CHECK(mlp.outputs()[0].shape() == Shape{kUnknown, 2});
  CHECK(mlp.layers().size() == 3);
  CHECK(mlp.predict(Tensor::zeros({5, 6})).shape() == Shape{5, 2});
}

TEST_CASE("uint8 images through a uint8 Input and Rescaling, and input.dtype at build time") {
  auto image = Input({6, 6, 1}, {.name = "pixels", .dtype = DType::u8});
  auto x = Rescaling(1.0 / 255)(image);
  auto logits = Dense(3)(Flatten()(x));
  Model m(image, logits);
  Tensor u8 = Tensor::full({4, 6, 6, 1}, 255, DType::u8);
  Tensor f = Tensor::full({4, 6, 6, 1}, 1.0);
  auto w = m.get_layer(m.layers().back().name()).weights();  // Dense kernel (36, 3), bias (3,)
  Tensor expected = matmul(Tensor::ones({4, 36}), w[0]) + w[1];  // 255 / 255 = 1 everywhere
  CHECK(allclose(m.predict(u8), expected, 1e-5, 1e-5));
  // The same model fed floats is refused: the Input declares uint8.
  CHECK(capture([&] { (void)m.predict(f); }).code() == "input.dtype");
  // Without Rescaling, a float layer directly on a uint8 Input is refused when built.
  auto e = capture([&] { (void)Flatten()(Input({6, 6, 1}, {.dtype = DType::u8})); });
  CHECK(e.code() == "input.dtype");
  CHECK(e.phase() == Phase::build);
  CHECK(e.fix().find("Rescaling(1.0 / 255)") != std::string::npos);
}

TEST_CASE("hostile api: an Input listed twice in a Model is refused") {
  // Model({a, a}, ...) took two arrays and silently used only the second one.
  auto a = Input({4}, {.name = "pixels"});
  auto e = capture([&] { Model m(std::vector<SymbolicTensor>{a, a}, Dense(2)(a)); });
  CHECK(e.code() == "model.graph");
  CHECK(e.phase() == Phase::build);
  CHECK(mentions(e, "the Input 'pixels' is listed twice in the model's inputs"));
  CHECK(mentions(e, "inputs: pixels (None, 4), pixels (None, 4)"));
}

TEST_CASE("hostile api: compile refuses a model with several outputs") {
  // fit trained the first output only and ignored the second without a word.
  auto in = Input({4});
  Model m(std::vector<SymbolicTensor>{in}, std::vector<SymbolicTensor>{Dense(3)(in), Dense(2)(in)});
  auto e = capture([&] { m.compile({.optimizer = SGD(), .loss = MeanSquaredError()}); });
  CHECK(e.code() == "model.compile");
  CHECK(mentions(e, "compile needs a model with one output, this one has 2"));
  CHECK(m.predict_outputs({Tensor::ones({2, 4})}).size() == 2);
}

}  // TEST_SUITE
