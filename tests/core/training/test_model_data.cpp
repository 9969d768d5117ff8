// Suite "core/training": the tests of model_data.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "support/test_contracts_util.hpp"
#include "support/run_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::compiled;
using tenet::testing::generator;
using tenet::testing::sparse;

TEST_SUITE("core/training") {

TEST_CASE("input.count lists the inputs by name and shape") {
  clear_session();
  auto a = Input({4}, {.name = "left"}), b = Input({3}, {.name = "right"});
  const unsigned line = __LINE__; Model m({a, b}, Concatenate()({a, b}), "pair");
  auto e = capture("input.count", [&] { (void)m.predict(Tensor::zeros({8, 4})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'pair' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.expected(), "left (None, 4)"));
  CHECK(has(e.expected(), "right (None, 3)"));
  CHECK(e.actual() == "1 arrays");
  CHECK(has(e.cause(), "right"));
  CHECK(has(e.fix(), "{left, right}"));
}

TEST_CASE("input.rank: missing channel axis, missing batch axis, batched twice") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({28, 28, 1}, {.name = "digits"});
  Model m = compiled(Model(in, Dense(10)(Flatten()(in))), sparse());
  auto e = capture("input.rank", [&] {
    m.fit(Tensor::zeros({100, 28, 28}), Tensor::zeros({100}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'digits' (InputLayer) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 28, 28, 1)");
  CHECK(e.actual() == "(100, 28, 28)");
  CHECK(has(e.cause(), "channel axis is missing"));
  CHECK(has(e.fix(), "expand_dims(x, -1)"));
  auto one = capture("input.rank", [&] { (void)m.predict(Tensor::zeros({28, 28, 1})); });
  CHECK(has(one.cause(), "without its batch axis"));
  CHECK(has(one.fix(), "expand_dims(x, 0)"));
  auto twice = capture("input.rank", [&] { (void)m.predict(Tensor::zeros({3, 4, 28, 28, 1})); });
  CHECK(has(twice.cause(), "batched twice"));
  CHECK(has(twice.fix(), "remove the second batching"));
  auto ds = capture("input.rank", [&] {
    (void)data::Dataset::from_tensors({Tensor::zeros({8, 4})}).batch(2).batch(2);
  });
  CHECK(has(ds.what(), "batch"));
}

TEST_CASE("input.shape: a 224x224 model called with 128x128 images") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({224, 224, 3}, {.name = "photo"});
  Model m(in, Dense(2)(GlobalAveragePooling2D()(in)));
  auto e = capture("input.shape", [&] { (void)m.predict(Tensor::zeros({2, 128, 128, 3})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'photo' (InputLayer) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 224, 224, 3)");
  CHECK(e.actual() == "(2, 128, 128, 3)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(has(e.cause(), "no layer of this model depends on the height and width"));
  CHECK(has(e.fix(), "Input({kUnknown, kUnknown, 3})"));
}

TEST_CASE("input.dtype: uint8 images are refused, not silently cast") {
  clear_session();
  const unsigned line = __LINE__; auto in = Input({28, 28, 1}, {.name = "pixels"});
  Model m = compiled(Model(in, Dense(10)(Flatten()(in))), sparse());
  auto e = capture("input.dtype", [&] {
    m.fit(Tensor::zeros({16, 28, 28, 1}, DType::u8), Tensor::zeros({16}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line)));
  CHECK(e.expected() == "float32 (None, 28, 28, 1)");
  CHECK(e.actual() == "uint8 (16, 28, 28, 1)");
  CHECK(has(e.cause(), "does not cast silently"));
  CHECK(has(e.fix(), "astype(DType::f32)"));
  CHECK(has(e.fix(), "Rescaling(1.0 / 255)"));
}

TEST_CASE("batch.mismatch: between inputs, against labels, and in a generator's batch") {
  clear_session();
  auto a = Input({8}, {.name = "left"}), b = Input({8}, {.name = "right"});
  const unsigned line = __LINE__; Model m = compiled(Model({a, b}, Dense(3)(Add()({a, b})), "two"), sparse());
  auto e = capture("batch.mismatch", [&] {
    m.fit({Tensor::zeros({32, 8}), Tensor::zeros({64, 8})}, Tensor::zeros({32}, DType::i32), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "'two' (Model) created at " + at(__FILE__, line)));
  CHECK(has(e.expected(), "32"));
  CHECK(has(e.actual(), "64"));
  CHECK(has(e.cause(), "left has 32 and right has 64"));  // no images: no resizing advice
  auto labels = capture("batch.mismatch", [&] {
    m.fit({Tensor::zeros({100, 8}), Tensor::zeros({100, 8})}, Tensor::zeros({90}, DType::i32), {.verbose = 0});
  });
  CHECK(has(labels.expected(), "100"));
  CHECK(has(labels.actual(), "90"));
  auto in = Input({4});
  Model g = compiled(Model(in, Dense(3)(in)), sparse());
  auto gen = capture("batch.mismatch", [&] { g.fit(generator({32, 32}, {32, 64}), {.verbose = 0}); });
  CHECK(has(gen.what(), "batch 2 of the epoch (counting from 1; index 1)"));
  CHECK(gen.expected() == "(32,)");
  CHECK(gen.actual() == "(64,)");
  CHECK(has(gen.fix(), "generator"));
}

}  // TEST_SUITE
