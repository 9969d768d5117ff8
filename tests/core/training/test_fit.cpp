// Suite "core/training": the tests of fit.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
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

#include "support/test_util.hpp"
#include "support/two_view_model.hpp"
#include "support/small_sgd_model.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
using tenet::testing::mentions;
using tenet::testing::Synthetic;
using tenet::testing::compile_sgd;
using tenet::testing::make_data;
using tenet::testing::two_view_model;
using tenet::testing::small_model;

TEST_SUITE("core/training") {

TEST_CASE("fit learns a two-input problem; History, evaluate and predict") {
  clear_session();
  set_random_seed(5);
  Synthetic d = make_data(1200, 3);
  Model m = two_view_model();
  compile_sgd(m);
  History h = m.fit({d.image, d.thumb}, d.labels,
                    {.epochs = 8, .batch_size = 32, .seed = 1, .validation_split = 0.2, .verbose = 0});
  CHECK(h.epoch.size() == 8);
  CHECK(h.keys() == std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"});
  CHECK(h["loss"].back() < h["loss"].front());
  CHECK(h["val_accuracy"].back() > 0.85);
  Logs scores = m.evaluate({d.image, d.thumb}, d.labels);
  CHECK(scores.count("loss") == 1);
  CHECK(scores["accuracy"] > 0.85);
  Tensor p = m.predict({d.image, d.thumb}, {.batch_size = 100});
  CHECK(p.shape() == Shape{1200, 3});
  Tensor p_one = m.predict({d.image, d.thumb}, {.batch_size = 1200});
  CHECK(allclose(p, p_one, 1e-5, 1e-5));
  // evaluate's accuracy matches predictions computed independently
  auto pred = p.argmax(1).to_vector<std::int64_t>();
  auto lab = d.labels.to_vector<std::int64_t>();
  double hits = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) hits += pred[i] == lab[i];
  CHECK(scores["accuracy"] == doctest::Approx(hits / 1200.0).epsilon(1e-9));
}

TEST_CASE("determinism: the same seeds give bitwise-identical weights") {
  auto run = [] {
    clear_session();
    set_random_seed(11);
    Synthetic d = make_data(256, 9);
    Model m = two_view_model();
    compile_sgd(m);
    m.fit({d.image, d.thumb}, d.labels, {.epochs = 2, .batch_size = 32, .seed = 4, .verbose = 0});
    return clones(m.weights());
  };
  auto w1 = run(), w2 = run();
  CHECK(bitwise_equal(w1, w2));
}

// input.rank when the channel axis is missing (a part of "data contracts are checked...").
void check_missing_channel_axis(Model& m, const Tensor& labels) {
  auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28}), labels, {.verbose = 0}); });
  CHECK(e.code() == "input.rank");
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "(None, 28, 28, 1)");
  CHECK(e.actual() == "(100, 28, 28)");
  CHECK(e.cause().find("channel axis is missing") != std::string::npos);
  CHECK(e.fix().find("expand_dims(x, -1)") != std::string::npos);
  CHECK(e.where().find("'image' (InputLayer)") != std::string::npos);
}

TEST_CASE("data contracts are checked before the first step") {
  clear_session();
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto y = Dense(10)(Flatten()(image));
  Model m(image, y, "classifier");
  compile_sgd(m);
  Tensor labels = Tensor::zeros({100}, DType::i32);
  SUBCASE("input.rank: the channel axis is missing") { check_missing_channel_axis(m, labels); }
  SUBCASE("input.rank: one image without its batch axis") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({28, 28, 1})); });
    CHECK(e.code() == "input.rank");
    CHECK(e.fix().find("expand_dims(x, 0)") != std::string::npos);
  }
  SUBCASE("input.rank: batched twice") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({4, 25, 28, 28, 1})); });
    CHECK(e.code() == "input.rank");
    CHECK(e.cause().find("batched twice") != std::string::npos);
  }
  SUBCASE("input.dtype: uint8 images are not cast silently") {
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}, DType::u8), labels, {.verbose = 0}); });
    CHECK(e.code() == "input.dtype");
    CHECK(e.expected() == "float32 (None, 28, 28, 1)");
    CHECK(e.actual() == "uint8 (100, 28, 28, 1)");
    CHECK(e.fix().find("astype(DType::f32) / 255.0") != std::string::npos);
    CHECK(e.fix().find("Rescaling") != std::string::npos);
  }
  SUBCASE("input.shape: a model built for 28x28 called with 32x32") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({2, 32, 32, 1})); });
    CHECK(e.code() == "input.shape");
    CHECK(e.info().marked == std::vector<int>{1, 2});
    CHECK(e.fix().find("Resizing(28, 28)") != std::string::npos);
    CHECK(e.cause().find("features, the count") != std::string::npos);
  }
  SUBCASE("input.count lists the Inputs") {
    auto e = capture([&] { (void)m.predict(std::vector<Tensor>{Tensor::zeros({2, 28, 28, 1}), Tensor::zeros({2, 3})}); });
    CHECK(e.code() == "input.count");
    CHECK(e.expected().find("image (None, 28, 28, 1)") != std::string::npos);
  }
  SUBCASE("batch.mismatch: 100 images and 90 labels") {
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}), Tensor::zeros({90}, DType::i32), {.verbose = 0}); });
    CHECK(e.code() == "batch.mismatch");
    CHECK(e.expected().find("100") != std::string::npos);
    CHECK(e.actual().find("90") != std::string::npos);
    CHECK(e.cause().find("Resizing images cannot fix this") != std::string::npos);
  }
  SUBCASE("loss.label_range before any weight changes") {
    Tensor bad = Tensor::zeros({100}, DType::i32);
    bad.data<std::int32_t>()[57] = 12;
    auto before = clones(m.weights());
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}), bad, {.verbose = 0}); });
    CHECK(e.code() == "loss.label_range");
    CHECK(bitwise_equal(before, m.weights()));
  }
}

TEST_CASE("a failing step changes no weight, optimizer slot or BatchNorm statistic") {
  clear_session();
  auto image = Input({6, 6, 1});
  auto x = Conv2D(4, {3, 3})(image);
  x = BatchNorm()(x);
  auto y = Dense(3)(Flatten()(x));
  Model m(image, y);
  compile_sgd(m, 0.05);
  Synthetic d = make_data(64, 1);
  m.train_on_batch({d.image}, d.labels);  // creates momentum slots, moves BN statistics
  auto weights = clones(m.weights());
  auto slots = m.optimizer().impl()->slots();
  std::vector<Tensor> slot_copies;
  for (auto& s : slots) for (auto& t : s) slot_copies.push_back(t.clone());
  Tensor poisoned = d.image.clone();
  poisoned.data<float>()[10] = std::nanf("");
  auto e = capture([&] {
    NumericsScope checking;
    m.train_on_batch({poisoned}, d.labels);
  });
  CHECK(e.code() == "numerics.nonfinite");
  // The input holding the NaN is named, with the sample, before any layer runs.
  CHECK(e.info().summary.find("input 0 ('" + m.inputs()[0].name() +
                              "') holds non-finite values at train_on_batch") != std::string::npos);
  CHECK(e.cause().find("the first is in sample 0.") != std::string::npos);
  CHECK(e.actual().find("1 NaN and 0 Inf") != std::string::npos);
  CHECK(bitwise_equal(weights, m.weights()));  // includes BN moving mean and variance
  std::vector<Tensor> slot_after;
  for (auto& s : m.optimizer().impl()->slots()) for (auto& t : s) slot_after.push_back(t);
  CHECK(bitwise_equal(slot_copies, slot_after));
  CHECK(m.optimizer().impl()->iterations() == 1);
}

TEST_CASE("History stays reachable after fit fails mid-way") {
  clear_session();
  Synthetic d = make_data(96, 2);
  Model m = two_view_model();
  compile_sgd(m);
  int epochs_seen = 0;
  LambdaCallback count({.on_epoch_end = [&](Model&, int, Logs&) { ++epochs_seen; }});
  // The third epoch fails as it begins.
  LambdaCallback boom({.on_epoch_begin = [&](Model&, int epoch) {
    if (epoch == 2) throw std::runtime_error("boom");
  }});
  CHECK_THROWS_AS(m.fit({d.image, d.thumb}, d.labels,
                        {.epochs = 5, .batch_size = 32, .verbose = 0, .callbacks = {count, boom}}),
                  std::runtime_error);
  CHECK(epochs_seen == 2);
  CHECK(m.history().epoch.size() == 2);
  CHECK(m.history()["loss"].size() == 2);
}

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

}  // TEST_SUITE
