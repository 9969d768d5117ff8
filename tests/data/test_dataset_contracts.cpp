// Suite "data": the tests of dataset_contracts.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/data/dataset.hpp>
#include <tenet/data/preprocess.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_data_util.hpp"
#include "support/run_contracts_util.hpp"
#include "support/dataset_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using namespace tenet::testing;
using data::Batch;
using data::Dataset;
using tenet::testing::compiled;
using tenet::testing::generator;
using tenet::testing::sparse;
using tenet::testing::labels_of;
using tenet::testing::numbered;

TEST_SUITE("data") {

TEST_CASE("batch.empty: a generator's empty batch, and drop_remainder on too few samples") {
  clear_session();
  auto in = Input({4});
  Model g = compiled(Model(in, Dense(3)(in)), sparse());
  auto e = capture("batch.empty", [&] { g.fit(generator({8, 0}, {8, 0}), {.verbose = 0}); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(std::string(e.what()), "batch 2 of the epoch (counting from 1; index 1)"));
  CHECK(has(e.fix(), "std::nullopt"));
  auto drop = capture("batch.empty", [&] {
    auto ds = data::Dataset::from_tensors({Tensor::zeros({10, 4})}, Tensor::zeros({10}, DType::i32))
                  .batch(32, /*drop_remainder=*/true);
    for (const auto& b : ds) (void)b;
  });
  CHECK(has(drop.what(), "10"));
  CHECK(has(drop.what(), "32"));
}

TEST_CASE("batch.ragged: images of two sizes stacked into one batch") {
  const unsigned line = __LINE__; auto e = capture("batch.ragged", [&] {
    (void)data::stack_samples({Tensor::zeros({128, 128, 3}), Tensor::zeros({128, 128, 3}),
                               Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), at(__FILE__, line + 1)));  // the line calling stack_samples
  CHECK(e.expected() == "(128, 128, 3)");
  CHECK(e.actual() == "(64, 64, 3)");
  CHECK(e.info().marked == std::vector<int>{0, 1});
  CHECK(has(e.cause(), "sample 2"));
  CHECK(has(e.fix(), "resize"));
}

TEST_CASE("from_tensors: 100 images with 90 labels is batch.mismatch, and says resizing won't help") {
  auto e = capture_contract([] {
    Dataset::from_tensors({Tensor::zeros({100, 28, 28, 1})}, Tensor::zeros({90}, DType::u8));
  });
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.expected() == "(100,)");
  CHECK(e.actual() == "(90,)");
  CHECK(e.cause().find("100 samples") != std::string::npos);
  CHECK(e.cause().find("Resizing images cannot fix this") != std::string::npos);
  CHECK(e.fix().find("slice") != std::string::npos);
  CHECK(e.where().find("test_dataset_contracts.cpp") != std::string::npos);
  e = capture_contract([] {
    Dataset::from_tensors({Tensor::zeros({8, 4}), Tensor::zeros({6, 3})}, Tensor::zeros({8}));
  });
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.info().summary.find("input 1") != std::string::npos);
}

TEST_CASE("batch() twice is input.rank; drop_remainder on too few samples is batch.empty") {
  Dataset ds = Dataset::from_tensors({Tensor::zeros({100, 28, 28, 1})}, Tensor::zeros({100}));
  auto e = capture_contract([&] { ds.batch(32).batch(32); });
  CHECK(e.code() == "input.rank");
  CHECK(e.actual() == "(None, 32, 28, 28, 1)");
  CHECK(e.expected() == "(None, 28, 28, 1)");
  CHECK(e.cause().find("this dataset is already batched (batches of 32); batching again adds a "
                       "second batch axis") != std::string::npos);
  CHECK(e.cause().find("rank 5 instead of 4") != std::string::npos);
  CHECK(e.fix().find("remove the second batch()") != std::string::npos);
  e = capture_contract([&] { ds.take(50).batch(64, true); });
  CHECK(e.code() == "batch.empty");
  CHECK(e.cause().find("50 samples, fewer than one batch of 64") != std::string::npos);
}

TEST_CASE("generators: each batch is checked as it arrives, errors name the batch index") {
  // Batch 2 pairs 32 images with 64 labels.
  auto gen = [] {
    return data::Generator([k = 0]() mutable -> std::optional<Batch> {
      if (k == 4) return std::nullopt;
      const std::int64_t labels = k == 2 ? 64 : 32;
      ++k;
      return Batch{{Tensor::zeros({32, 8})}, Tensor::zeros({labels}), 0};
    });
  };
  for (bool prefetch : {true, false}) {
    Dataset ds = Dataset::from_generator(std::function<data::Generator()>(gen)).prefetch(prefetch);
    CHECK(ds.cardinality() == -1);
    auto epoch = ds.epoch(0);
    CHECK(epoch.next()->index == 0);
    CHECK(epoch.next()->index == 1);
    auto e = capture_contract([&] { epoch.next(); });
    CHECK(e.code() == "batch.mismatch");
    CHECK(e.info().summary.find("batch 3 of the epoch (counting from 1; index 2): input 0 has 32 samples but labels has 64") != std::string::npos);
    CHECK(e.where().find("from_generator") != std::string::npos);
    CHECK_FALSE(epoch.next().has_value());  // the epoch ends after an error
  }
  // An empty batch and inputs that disagree.
  int k = 0;
  Dataset bad = Dataset::from_generator(data::Generator([&k]() -> std::optional<Batch> {
    ++k;
    if (k == 2) return Batch{{Tensor::zeros({0, 8})}, Tensor::zeros({0}), 0};
    if (k == 3) return Batch{{Tensor::zeros({4, 8}), Tensor::zeros({5, 2})}, Tensor::zeros({4}), 0};
    return Batch{{Tensor::zeros({4, 8})}, Tensor::zeros({4}), 0};
  }));
  auto epoch = bad.prefetch(false).epoch(0);
  CHECK(epoch.next().has_value());
  auto e = capture_contract([&] { epoch.next(); });
  CHECK(e.code() == "batch.empty");
  CHECK(e.info().summary == "batch 2 of the epoch (counting from 1; index 1) from from_generator holds no samples");
  e = capture_contract([&] { bad.prefetch(false).epoch(1).next(); });  // the same generator goes on
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.info().summary.find("input 1 has 5") != std::string::npos);
  // batch() on a generator's batches adds a second batch axis.
  e = capture_contract([&] { bad.batch(8); });
  CHECK(e.code() == "input.rank");
  CHECK(e.cause().find("already batched") != std::string::npos);
}

TEST_CASE("generators: factories restart each epoch; user exceptions reach the consumer") {
  auto make = [] {
    return data::Generator([k = 0]() mutable -> std::optional<Batch> {
      if (k == 3) return std::nullopt;
      return Batch{{Tensor::full({2, 1}, k)}, Tensor::full({2}, k++), 0};
    });
  };
  Dataset ds = Dataset::from_generator(std::function<data::Generator()>(make));
  for (int epoch = 0; epoch < 2; ++epoch) {
    int n = 0;
    for (const Batch& b : ds) CHECK(b.labels.at({0}) == n++);
    CHECK(n == 3);
  }
  CHECK(labels_of(numbered(6).batch(2).take(2).epoch(0)).size() == 2);
  Dataset failing = Dataset::from_generator(data::Generator([k = 0]() mutable -> std::optional<Batch> {
    if (++k == 3) throw std::runtime_error("camera disconnected");
    return Batch{{Tensor::zeros({2, 1})}, Tensor::zeros({2}), 0};
  }));
  int got = 0;
  try {
    for (const Batch& b : failing) got += static_cast<int>(b.size() > 0);
    FAIL("expected the generator's exception");
  } catch (const std::runtime_error& err) {
    CHECK(std::string(err.what()) == "camera disconnected");
  }
  CHECK(got == 2);
}

TEST_CASE("map results are checked; stack_samples raises batch.ragged") {
  Dataset ds = numbered(8).batch(4).map([](Batch b) {
    b.labels = slice(b.labels, 0, 0, 3);
    return b;
  });
  auto e = capture_contract([&] { ds.epoch(0).next(); });
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.where().find("map") != std::string::npos);
  CHECK(e.info().summary.find("batch 1 of the epoch (counting from 1; index 0)") != std::string::npos);

  Tensor s = data::stack_samples({Tensor::zeros({28, 28, 1}), Tensor::ones({28, 28, 1})});
  CHECK(s.shape() == Shape{2, 28, 28, 1});
  e = capture_contract([] {
    data::stack_samples({Tensor::zeros({128, 128, 3}), Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.code() == "batch.ragged");
  CHECK(e.actual() == "(64, 64, 3)");
}

TEST_CASE("hostile api: an empty Generator from a factory, or given to Epoch, is options.invalid") {
  // Both escaped as a raw std::bad_function_call, from fit and from next().
  clear_session();
  bool cached = true;
  auto factory = [&]() -> data::Generator {
    if (cached) return data::Generator();  // a path that forgot to return its lambda
    return [k = 0]() mutable -> std::optional<Batch> {
      if (k++ == 2) return std::nullopt;
      return Batch{{Tensor::zeros({2, 1})}, Tensor::zeros({2}, DType::i32), 0};
    };
  };
  const unsigned line = __LINE__ + 1;
  Dataset ds = Dataset::from_generator(std::function<data::Generator()>(factory));
  auto in = Input({1});
  Model m(in, Dense(2, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  auto e = capture("options.invalid", [&] { m.fit(ds, {.verbose = 0}); });
  CHECK(has(e.what(), "the Generator from_generator's factory returned"));
  CHECK(e.actual() == "an empty data::Generator");
  CHECK(e.expected() == "a callable returning std::optional<data::Batch>");
  CHECK(has(e.where(), "'from_generator' (Dataset) created at " + at(__FILE__, line)));
  CHECK(has(e.cause(), "the Generator it returned for epoch 0 (counted from 0) holds no callable"));
  CHECK(has(e.fix(), "return a lambda on every path of the factory"));
  e = capture("options.invalid", [&] { (void)ds.epoch(4).next(); });
  CHECK(has(e.cause(), "for epoch 4 (counted from 0)"));
  cached = false;  // the same dataset trains once the factory returns a lambda
  CHECK(m.fit(ds, {.verbose = 0})["loss"].size() == 1);

  const unsigned epoch_line = __LINE__ + 1;
  auto ep = capture("options.invalid", [] { (void)data::Epoch(data::Generator(), true).next(); });
  CHECK(has(ep.what(), "Epoch's generator"));
  CHECK(ep.actual() == "an empty data::Generator");
  CHECK(has(ep.where(), "'Epoch' (Dataset) created at " + at(__FILE__, epoch_line)));
  CHECK(has(ep.cause(), "Epoch calls its generator for every batch"));
  CHECK(has(ep.fix(), "dataset.epoch(0)"));
}

}  // TEST_SUITE
