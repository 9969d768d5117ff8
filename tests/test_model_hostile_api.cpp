// Suite "model", part "hostile_api": batch sizes near INT64_MAX, for arrays and Datasets, and
// one_hot labels no integer holds.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <cstdint>
#include <limits>
#include <vector>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

namespace {

Model small_model() {
  auto in = Input({4});
  Model m(in, Dense(3, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  return m;
}

}  // namespace

TEST_SUITE("model") {

TEST_CASE("hostile api: a batch size near INT64_MAX means one batch of every sample") {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  Tensor x = Tensor::randn({10, 4}, 1), y = Tensor::randn({10, 3}, 2);
  // fit raised batch.empty "fit received no samples" for 10 samples: n + batch - 1 overflowed.
  auto m = small_model();
  History h = m.fit(x, y, {.epochs = 2, .batch_size = huge, .verbose = 0});
  CHECK(h["loss"].size() == 2);
  CHECK(m.optimizer().impl()->iterations() == 2);  // one step per epoch
  CHECK(m.predict(x, {.batch_size = huge}).shape() == Shape{10, 3});
  CHECK(m.evaluate(x, y, {.batch_size = huge}).count("loss") == 1);
  // A Dataset batched by INT64_MAX counted a negative number of batches.
  auto ds = data::Dataset::from_tensors({x}, y).batch(huge);
  CHECK(ds.cardinality() == 1);
  CHECK(m.fit(ds, {.epochs = 1, .verbose = 0})["loss"].size() == 1);
  CHECK(m.optimizer().impl()->iterations() == 3);
}

TEST_CASE("hostile api: one_hot names a huge float label as it is") {
  // The label 1e30 was cast to an integer (undefined) and reported as -9223372036854775808.
  auto e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<float>{0, 1e30f}), 3); });
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "label 1.00000002e+30 at sample 1"));
  CHECK(!mentions(e, "-9223372036854775808"));
  CHECK(!mentions(e, "one_hot(labels, "));  // no class count to suggest for such a label
  e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<double>{-std::numeric_limits<double>::infinity()}), 3); });
  CHECK(mentions(e, "label -inf at sample 0"));
  e = capture([] { (void)one_hot(Tensor::from_vector(std::vector<std::int64_t>{5}), 3); });
  CHECK(mentions(e, "call one_hot(labels, 6)"));
}

}  // TEST_SUITE
