// batch.empty and batch.mismatch from a Dataset's stream (data/dataset_epoch.cpp): the first
// batch of an epoch, a batch in the middle of one, and a batch a map function emptied each get
// their own cause and fix.
#include <optional>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

namespace {

// A generator yielding batches of the given sizes (4 features, labels alike).
data::Dataset sized(std::vector<std::int64_t> sizes) {
  return data::Dataset::from_generator(data::Generator(
      [sizes, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
        if (i == sizes.size()) return std::nullopt;
        const std::int64_t n = sizes[i++];
        return data::Batch{{Tensor::zeros({n, 4})}, Tensor::zeros({n}, DType::i32)};
      }));
}

void drain(const data::Dataset& ds) {
  for (const auto& b : ds) (void)b;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("batch.empty: a generator's first batch against one in the middle of the epoch") {
  auto e = capture("batch.empty", [&] { drain(sized({0, 2})); });
  CHECK(has(e.what(), "batch 1 of the epoch (counting from 1; index 0) from from_generator"));
  CHECK(has(e.cause(), "first call of this epoch returned a batch of shape (0, 4)"));
  CHECK(!has(e.cause(), "ran out"));
  e = capture("batch.empty", [&] { drain(sized({2, 2, 0, 2})); });
  CHECK(has(e.what(), "batch 3 of the epoch (counting from 1; index 2)"));
  CHECK(has(e.cause(), "on call 3 of this epoch, after 2 batches with samples"));
  CHECK(!has(e.cause(), "ran out"));
  CHECK(has(e.fix(), "Do not return std::nullopt here"));
  CHECK(has(e.fix(), "never used"));
}

TEST_CASE("batch.empty: a map function that removed every sample of a batch") {
  auto ds = data::Dataset::from_tensors({Tensor::zeros({6, 4})}, Tensor::zeros({6}, DType::i32))
                .batch(3)
                .map([](data::Batch b) {
                  if (b.index == 1) b = {{slice(b.inputs[0], 0, 0, 0)}, slice(b.labels, 0, 0, 0)};
                  return b;
                });
  auto e = capture("batch.empty", [&] { drain(ds); });
  CHECK(has(e.what(), "batch 2 of the epoch (counting from 1; index 1) from map"));
  CHECK(has(e.cause(), "the map function was given a batch of 3 samples and returned (0, 4)"));
  CHECK(has(e.fix(), "keep at least one sample of each batch"));
  CHECK(!has(e.fix(), "nullopt"));
}

TEST_CASE("batch.mismatch of a Dataset mentions resizing only for image data") {
  auto e = capture("batch.mismatch", [&] {
    (void)data::Dataset::from_tensors({Tensor::zeros({10, 4})}, Tensor::zeros({9}));
  });
  CHECK(has(e.cause(), "axis 0 counts samples."));
  CHECK(!has(e.cause(), "esiz"));
  e = capture("batch.mismatch", [&] {
    (void)data::Dataset::from_tensors({Tensor::zeros({10, 8, 8, 3})}, Tensor::zeros({9}));
  });
  CHECK(has(e.cause(), "Resizing images cannot fix this"));
}

}  // TEST_SUITE
