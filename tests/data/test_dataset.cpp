// Suite "data": the tests of dataset.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/data/dataset.hpp>
#include <tenet/data/preprocess.hpp>

#include "support/test_data_util.hpp"
#include "support/dataset_util.hpp"

using namespace tenet;
using namespace tenet::testing;
using data::Batch;
using data::Dataset;
using tenet::testing::labels_of;
using tenet::testing::numbered;

namespace {

std::vector<std::int64_t> flat(const std::vector<std::vector<std::int64_t>>& v) {
  std::vector<std::int64_t> out;
  for (const auto& b : v) out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> v;
  for (auto i = from; i < to; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("batch: sizes, the last partial batch and drop_remainder") {
  Dataset ds = numbered(10).batch(4);
  CHECK(ds.cardinality() == 3);
  CHECK(ds.batch_size() == 4);
  auto b = labels_of(ds.epoch(0));
  REQUIRE(b.size() == 3);
  CHECK(b[0] == range(0, 4));
  CHECK(b[2] == range(8, 10));
  Dataset dropped = numbered(10).batch(4, true);
  CHECK(dropped.cardinality() == 2);
  CHECK(flat(labels_of(dropped.epoch(0))) == range(0, 8));
  // Unbatched: one batch with every sample.
  CHECK(numbered(5).cardinality() == 1);
  CHECK(flat(labels_of(numbered(5).epoch(0))) == range(0, 5));
  // Range-for over the dataset.
  std::int64_t samples = 0;
  for (const Batch& batch : ds) samples += batch.size();
  CHECK(samples == 10);
}

TEST_CASE("shuffle: every sample once per epoch, new order each epoch, reproducible by seed") {
  Dataset a = numbered(50).shuffle(7).batch(8), b = numbered(50).shuffle(7).batch(8);
  auto e0 = flat(labels_of(a.epoch(0))), e1 = flat(labels_of(a.epoch(1)));
  auto sorted0 = e0, sorted1 = e1;
  std::sort(sorted0.begin(), sorted0.end());
  std::sort(sorted1.begin(), sorted1.end());
  CHECK(sorted0 == range(0, 50));
  CHECK(sorted1 == range(0, 50));
  CHECK(e0 != range(0, 50));
  CHECK(e0 != e1);
  CHECK(e0 == flat(labels_of(b.epoch(0))));
  CHECK(e1 == flat(labels_of(b.epoch(1))));
  CHECK(e0 != flat(labels_of(numbered(50).shuffle(8).batch(8).epoch(0))));
  // Iterating the dataset walks epochs 0, 1, ... (the counter is shared by copies).
  Dataset copy = a;
  std::vector<std::int64_t> seen;
  for (const Batch& batch : a)
    for (auto y : batch.labels.to_vector<std::int64_t>()) seen.push_back(y);
  CHECK(seen == e0);
  seen.clear();
  for (const Batch& batch : copy)
    for (auto y : batch.labels.to_vector<std::int64_t>()) seen.push_back(y);
  CHECK(seen == e1);
}

TEST_CASE("take/skip count samples before batch() and batches after; split sizes") {
  CHECK(flat(labels_of(numbered(10).skip(3).take(4).batch(3).epoch(0))) == range(3, 7));
  CHECK(numbered(10).skip(3).take(4).batch(3).cardinality() == 2);
  auto after = labels_of(numbered(10).batch(3).skip(1).take(2).epoch(0));
  REQUIRE(after.size() == 2);
  CHECK(after[0] == range(3, 6));
  CHECK(after[1] == range(6, 9));
  CHECK(numbered(10).batch(3).skip(1).take(2).cardinality() == 2);

  auto [train, val] = numbered(100).split(0.2);
  CHECK(train.num_samples() == 80);
  CHECK(val.num_samples() == 20);
  CHECK(flat(labels_of(val.batch(32).epoch(0))) == range(80, 100));  // the last fraction
  auto [tb, vb] = numbered(100).batch(10).split(0.3);
  CHECK(tb.cardinality() == 7);
  CHECK(vb.cardinality() == 3);
  // Keras's rule: validation starts at floor(n * (1 - fraction)), so 1 % of 8 samples is 1
  // sample (it was rounded to 0, a silently empty validation set).
  auto [t8, v8] = numbered(8).split(0.01);
  CHECK(t8.num_samples() == 7);
  CHECK(v8.num_samples() == 1);
  auto none = capture_contract([] { (void)numbered(8).split(1e-17); });
  CHECK(none.code() == "batch.empty");
  CHECK(none.info().summary.find("leaves no validation sample") != std::string::npos);
  CHECK(none.fix().find("at least 1/8") != std::string::npos);
  auto one = capture_contract([] { (void)numbered(1).batch(4).split(0.5); });
  CHECK(one.code() == "batch.empty");
  CHECK(one.info().summary.find("of 1 batch leaves nothing to train on") != std::string::npos);
  CHECK(one.cause().find("1 batch cannot be split in two") != std::string::npos);
  auto late = capture_contract([] { (void)numbered(10).shuffle(1).split(0.5); });
  CHECK(late.code() == "options.invalid");
  CHECK(late.actual() == "a shuffled dataset");
}

TEST_CASE("options.invalid: every Dataset argument outside its range, named with value and range") {
  auto check_invalid = [](const ContractError& e, const std::string& option,
                          const std::string& value, const std::string& range) {
    INFO(e.what());
    CHECK(e.code() == "options.invalid");
    CHECK(e.info().summary.find(option) != std::string::npos);
    CHECK(e.actual() == value);
    CHECK(e.expected().find(range) != std::string::npos);
    CHECK(e.where().find("test_dataset.cpp") != std::string::npos);  // the user's line
  };
  check_invalid(capture_contract([] { (void)numbered(10).take(-1); }), "Dataset::take n", "-1",
                "an integer >= 0");
  check_invalid(capture_contract([] { (void)numbered(10).batch(4).take(-3); }), "Dataset::take n",
                "-3", ">= 0");
  check_invalid(capture_contract([] { (void)numbered(10).skip(-2); }), "Dataset::skip n", "-2",
                ">= 0");
  check_invalid(capture_contract([] { (void)numbered(10).batch(0); }), "Dataset::batch size", "0",
                "an integer >= 1");
  check_invalid(capture_contract([] { (void)numbered(10).batch(-8, true); }),
                "Dataset::batch size", "-8", ">= 1");
  for (double f : {0.0, 1.0, -0.5, 1.5, std::nan("")})
    check_invalid(capture_contract([f] { (void)numbered(10).split(f); }),
                  "Dataset::split validation_fraction", f != f ? "NaN" : checks::option_value(f),
                  "a fraction in (0, 1)");
  auto all = capture_contract([] { (void)numbered(10).split(1.0); });
  CHECK(all.cause().find("leaves none to train on") != std::string::npos);
  auto gen = Dataset::from_generator(data::Generator([]() -> std::optional<Batch> { return std::nullopt; }));
  check_invalid(capture_contract([&] { (void)gen.shuffle(1); }), "Dataset::shuffle's dataset",
                "a generator dataset", "a dataset made by from_tensors");
  check_invalid(capture_contract([&] { (void)gen.split(0.2); }), "Dataset::split's dataset",
                "a generator dataset", "from_tensors");
  // Empty handles and empty functions: the user's mistake, not an internal error.
  auto undefined = capture_contract([] { (void)Dataset::from_tensors({Tensor::zeros({4, 2}), Tensor()}); });
  CHECK(undefined.code() == "options.invalid");
  CHECK(undefined.info().summary.find("from_tensors' inputs[1]") != std::string::npos);
  CHECK(undefined.actual() == "an empty Tensor");
  auto no_fn = capture_contract([] { (void)numbered(4).map(data::BatchFn()); });
  CHECK(no_fn.code() == "options.invalid");
  CHECK(no_fn.actual() == "an empty std::function");
  CHECK(capture_contract([] { (void)Dataset::from_generator(data::Generator()); }).code() ==
        "options.invalid");
  auto classes = capture_contract([] { (void)one_hot(Tensor::zeros({3}, DType::i32), 0); });
  check_invalid(classes, "one_hot classes", "0", "an integer >= 1");
  CHECK(capture_contract([] { (void)to_float(Tensor::zeros({2}, DType::u8), std::nan("")); })
            .actual() == "NaN");
  auto hole = Dataset::from_generator(data::Generator([k = 0]() mutable -> std::optional<Batch> {
    if (k++ == 1) return std::nullopt;
    return Batch{{Tensor()}, Tensor::zeros({2})};
  }));
  auto e = capture_contract([&] { for (const Batch& b : hole) (void)b; });
  CHECK(e.code() == "options.invalid");
  CHECK(e.info().summary.find("input 0 of batch 1 of the epoch (counting from 1; index 0)") != std::string::npos);
}

TEST_CASE("prefetch yields the same batches, prepared on another thread ahead of time") {
  auto with_fn = [](bool prefetch, std::set<std::thread::id>* threads) {
    return numbered(60).shuffle(3).batch(10).prefetch(prefetch).map([threads](Batch b) {
      if (threads) threads->insert(std::this_thread::get_id());
      std::this_thread::sleep_for(std::chrono::milliseconds(30));  // data preparation
      b.inputs[0] = b.inputs[0] * 2.0;
      return b;
    });
  };
  std::set<std::thread::id> threads;
  auto run = [](Dataset ds) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Tensor> xs;
    for (const Batch& b : ds) {
      xs.push_back(b.inputs[0]);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));  // "compute"
    }
    return std::make_pair(xs, std::chrono::steady_clock::now() - start);
  };
  auto [with, t_with] = run(with_fn(true, &threads));
  auto [without, t_without] = run(with_fn(false, nullptr));
  REQUIRE(with.size() == 6);
  REQUIRE(without.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(array_equal(with[i], without[i]));
  CHECK(threads.size() >= 2);  // the first batch on the caller's thread, the rest ahead of it
  MESSAGE("6 batches: " << std::chrono::duration<double>(t_with).count() << " s with prefetch, "
                        << std::chrono::duration<double>(t_without).count() << " s without");
  CHECK(t_with < t_without * 0.8);  // ~0.21 s vs ~0.36 s: preparation overlaps compute
}

}  // TEST_SUITE
