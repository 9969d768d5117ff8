// Suite "data", part: Dataset (batching, shuffle, split, take/skip, prefetch, generators and
// their per-batch checks) and preprocessing (one_hot, to_float, pad/crop/flip/resize).
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
#include "test_data_util.hpp"

using namespace tenet;
using namespace tenet::testing;
using data::Batch;
using data::Dataset;

namespace {

// n samples: x[i] = (2i, 2i + 1) as float32 (n, 2), y[i] = i as int64 (n,).
Dataset numbered(std::int64_t n) {
  std::vector<float> x;
  for (std::int64_t i = 0; i < 2 * n; ++i) x.push_back(static_cast<float>(i));
  return Dataset::from_tensors({Tensor::from_vector(x, {n, 2})}, Tensor::arange(n, DType::i64));
}

// The labels of each batch of one epoch, checking that inputs stay with their labels.
std::vector<std::vector<std::int64_t>> labels_of(data::Epoch epoch) {
  std::vector<std::vector<std::int64_t>> out;
  while (auto b = epoch.next()) {
    auto y = b->labels.to_vector<std::int64_t>();
    auto x = b->inputs[0].to_vector<float>();
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(x[2 * i] == static_cast<float>(2 * y[i]));
    CHECK(b->index == static_cast<std::int64_t>(out.size()));
    out.push_back(y);
  }
  return out;
}

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
    CHECK(e.where().find("test_data_dataset.cpp") != std::string::npos);  // the user's line
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
  CHECK(e.info().summary.find("batch 0's input 0") != std::string::npos);
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

TEST_CASE("from_tensors: 100 images with 90 labels is batch.mismatch, and says resizing won't help") {
  auto e = capture_contract([] {
    Dataset::from_tensors({Tensor::zeros({100, 28, 28, 1})}, Tensor::zeros({90}, DType::u8));
  });
  CHECK(e.code() == "batch.mismatch");
  CHECK(e.expected() == "(100,)");
  CHECK(e.actual() == "(90,)");
  CHECK(e.cause().find("100 samples") != std::string::npos);
  CHECK(e.cause().find("resizing images cannot fix a sample-count mismatch") != std::string::npos);
  CHECK(e.fix().find("slice") != std::string::npos);
  CHECK(e.where().find("test_data_dataset.cpp") != std::string::npos);
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
    CHECK(e.info().summary.find("batch 2: input 0 has 32 samples but labels has 64") != std::string::npos);
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
  CHECK(e.info().summary == "batch 1 holds no samples");
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
  CHECK(e.info().summary.find("batch 0") != std::string::npos);

  Tensor s = data::stack_samples({Tensor::zeros({28, 28, 1}), Tensor::ones({28, 28, 1})});
  CHECK(s.shape() == Shape{2, 28, 28, 1});
  e = capture_contract([] {
    data::stack_samples({Tensor::zeros({128, 128, 3}), Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.code() == "batch.ragged");
  CHECK(e.actual() == "(64, 64, 3)");
}

TEST_CASE("one_hot: integer and float labels, range and dtype checks") {
  Tensor y = one_hot(Tensor::from_vector(std::vector<std::uint8_t>{2, 0, 1}), 3);
  CHECK(y.dtype() == DType::f32);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(y.to_vector<float>() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});
  CHECK(allclose(one_hot(Tensor::from_vector(std::vector<double>{2, 0, 1}, {3, 1}), 3), y));
  CHECK(allclose(one_hot(Tensor::from_vector(std::vector<std::int64_t>{2, 0, 1}), 3), y));
  auto e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<std::int32_t>{1, 0, -1, 4}), 10); });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.actual() == "label -1 at sample 2");
  e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<std::int32_t>{1, 10}), 10); });
  CHECK(e.code() == "loss.label_range");
  CHECK(e.actual() == "label 10 at sample 1");
  CHECK(e.expected() == "labels in [0, 10)");
  e = capture_contract([] { one_hot(Tensor::from_vector(std::vector<float>{1, 0.5f}), 2); });
  CHECK(e.code() == "loss.label_dtype");
  e = capture_contract([] { one_hot(Tensor::zeros({4, 3}), 3); });
  CHECK(e.code() == "loss.label_shape");
  CHECK(allclose(to_float(Tensor::full({2}, 255, DType::u8)), Tensor::ones({2})));
}

TEST_CASE("pad_to, center_crop, random_flip_left_right and resize") {
  // (1, 2, 3) uint8 image 1..6, padded to 4x5: one row above, one column left.
  Tensor img = Tensor::from_vector(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}, {1, 2, 3});
  Tensor p = data::pad_to(img, {4, 5});
  CHECK(p.dtype() == DType::u8);
  CHECK(p.shape() == Shape{1, 4, 5});
  std::vector<std::uint8_t> want(20, 0);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) want[(y + 1) * 5 + x + 1] = static_cast<std::uint8_t>(1 + y * 3 + x);
  CHECK(p.to_vector<std::uint8_t>() == want);
  CHECK(array_equal(data::center_crop(p, {2, 3}), img));
  Tensor rgb = Tensor::randn({2, 6, 6, 3}, 4);
  CHECK(array_equal(data::center_crop(data::pad_to(rgb, {9, 10}), {6, 6}), rgb));
  auto e = capture_contract([&] { data::pad_to(rgb, {4, 4}); });
  CHECK(e.code() == "input.shape");
  CHECK(e.fix().find("center_crop") != std::string::npos);
  e = capture_contract([&] { data::center_crop(rgb, {7, 6}); });
  CHECK(e.code() == "input.shape");

  Tensor many = Tensor::randn({64, 3, 4, 2}, 5);
  Tensor f = data::random_flip_left_right(many, 9);
  CHECK(array_equal(f, data::random_flip_left_right(many, 9)));
  int flipped = 0;
  for (std::int64_t n = 0; n < 64; ++n) {
    bool same = true, mirrored = true;
    for (std::int64_t y = 0; y < 3; ++y)
      for (std::int64_t x = 0; x < 4; ++x)
        for (std::int64_t c = 0; c < 2; ++c) {
          same = same && f.at({n, y, x, c}) == many.at({n, y, x, c});
          mirrored = mirrored && f.at({n, y, x, c}) == many.at({n, y, 3 - x, c});
        }
    CHECK((same || mirrored));
    flipped += mirrored ? 1 : 0;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);

  Tensor r = data::resize(Tensor::full({2, 5, 5, 3}, 7, DType::u8), {8, 3});
  CHECK(r.shape() == Shape{2, 8, 3, 3});
  CHECK(r.dtype() == DType::f32);
  CHECK(allclose(r, Tensor::full({2, 8, 3, 3}, 7)));
  CHECK(array_equal(data::resize(rgb, {3, 9}), resize(rgb, {3, 9})));
}

}  // TEST_SUITE
