// Suite "core/contracts": the checks of core/contracts/dataset_checks.cpp that
// tests/data/test_dataset_contracts.cpp does not reach: inputs present and an axis of samples,
// in from_tensors and in a generator's batches.
#include <doctest/doctest.h>

#include <optional>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;
using data::Batch;
using data::Dataset;

TEST_SUITE("core/contracts") {

TEST_CASE("from_tensors: no inputs is input.count, a tensor without a sample axis is input.rank") {
  auto none = capture("input.count", [] { (void)Dataset::from_tensors({}, Tensor::zeros({4})); });
  CHECK(none.info().summary == "a dataset needs at least one input tensor");
  CHECK(none.fix() == "Dataset::from_tensors({x}, y)");
  auto scalar = capture("input.rank", [] {
    (void)Dataset::from_tensors({Tensor::zeros({4, 2})}, Tensor::zeros(Shape{}));
  });
  CHECK(scalar.info().summary == "labels has no sample axis");
  CHECK(scalar.expected() == "(N, ...)");
}

TEST_CASE("a generator's batch without inputs, or with a tensor without a batch axis") {
  auto first = [](Batch b) {
    return Dataset::from_generator(data::Generator([b, done = false]() mutable -> std::optional<Batch> {
      if (done) return std::nullopt;
      done = true;
      return b;
    })).prefetch(false);
  };
  auto none = capture("input.count", [&] { (void)first(Batch{{}, Tensor::zeros({4}), 0}).epoch(0).next(); });
  CHECK(none.info().summary == "batch 1 of the epoch (counting from 1; index 0) has no inputs");
  CHECK(has(none.fix(), "Batch{{x}, y}"));
  auto scalar = capture("input.rank", [&] {
    (void)first(Batch{{Tensor::zeros({4, 2})}, Tensor::zeros(Shape{}), 0}).epoch(0).next();
  });
  CHECK(scalar.info().summary == "batch 1 of the epoch (counting from 1; index 0): labels has no batch axis");
  CHECK(scalar.expected() == "(batch, ...)");
}

}  // TEST_SUITE
