// Suite "core/training": the tests of the compiled metrics (core/training/metrics.cpp):
// top-k accuracy, per-class precision, recall and F1 with their macro means, checked against a
// table computed by hand, through MetricTally, evaluate and fit.
#include <doctest/doctest.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include <tenet/tenet.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "core/training/metric_tally.hpp"
#include "support/test_util.hpp"

using namespace tenet;

namespace {

// Six samples over 4 classes; the model's scores are the inputs (a frozen identity Dense).
//   sample  scores               label  top class   label's rank
//   0       .9  .05 .05 0        0      0           1
//   1       .2  .7  .1  0        0      1           2
//   2       .1  .8  .1  0        1      1           1
//   3       .6  .3  .1  0        1      0           2
//   4       .3  .6  .1  0        2      1           3
//   5       .5  .5  0   0        1      0 (tie)     1 (a tie ranks with the best: Keras's in_top_k)
// Confusion (row true, column predicted): [1 1 0 0; 2 1 0 0; 0 1 0 0; 0 0 0 0].
// precision = (1/3, 1/3, 0 never predicted, 0), macro 1/6
// recall    = (1/2, 1/3, 0, 0 never present), macro 5/24
// f1        = (2/5, 1/3, 0, 0), macro 11/60
// accuracy 2/6; top-1 3/6 (sample 5's tie counts); top-2 5/6.
Tensor scores() {
  return Tensor::from_vector(std::vector<float>{.9f, .05f, .05f, 0, .2f, .7f, .1f, 0, .1f, .8f, .1f, 0,
                                                .6f, .3f, .1f, 0, .3f, .6f, .1f, 0, .5f, .5f, 0, 0},
                             {6, 4});
}
Tensor labels() { return Tensor::from_vector(std::vector<std::int64_t>{0, 0, 1, 1, 2, 1}, {6}); }

const std::vector<Metric> kAll = {Metric::accuracy, Metric::top_k_accuracy(1),
                                  Metric::precision, Metric::recall, Metric::f1_score};

void check_table(const Logs& l, const std::string& prefix = "") {
  auto at = [&](const std::string& k) {
    INFO(prefix << k);
    REQUIRE(l.count(prefix + k) == 1);
    return l.at(prefix + k);
  };
  CHECK(at("accuracy") == doctest::Approx(2.0 / 6));
  CHECK(at("sparse_top_k_categorical_accuracy") == doctest::Approx(3.0 / 6));
  const double p[] = {1.0 / 3, 1.0 / 3, 0, 0}, r[] = {0.5, 1.0 / 3, 0, 0}, f[] = {0.4, 1.0 / 3, 0, 0};
  for (int c = 0; c < 4; ++c) {
    CHECK(at("precision_" + std::to_string(c)) == doctest::Approx(p[c]));
    CHECK(at("recall_" + std::to_string(c)) == doctest::Approx(r[c]));
    CHECK(at("f1_score_" + std::to_string(c)) == doctest::Approx(f[c]));
  }
  CHECK(at("precision") == doctest::Approx(1.0 / 6));
  CHECK(at("recall") == doctest::Approx(5.0 / 24));
  CHECK(at("f1_score") == doctest::Approx(11.0 / 60));
}

// Input(4) -> Dense(4) with the identity kernel and no bias, frozen: scores == inputs.
Model identity_model(const std::vector<Metric>& metrics) {
  auto in = Input({4});
  Dense dense(4, {.use_bias = false});
  Model m(in, dense(in));
  std::vector<float> eye(16, 0.0f);
  for (int i = 0; i < 4; ++i) eye[static_cast<std::size_t>(i * 5)] = 1.0f;
  dense.set_weights({Tensor::from_vector(eye, {4, 4})});
  dense.set_trainable(false);
  m.compile({.loss = SparseCategoricalCrossentropy({.from_logits = true}), .metrics = metrics});
  return m;
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("metrics: the hand-computed table, whatever the batching") {
  MetricTally whole(kAll, LabelKind::sparse);
  whole.add(scores(), labels());
  check_table(whole.result());
  MetricTally split(kAll, LabelKind::sparse);  // counts, not batch means: 4 + 2 samples
  split.add(slice(scores(), 0, 0, 4), slice(labels(), 0, 0, 4));
  split.add(slice(scores(), 0, 4, 6), slice(labels(), 0, 4, 6));
  check_table(split.result());
}

TEST_CASE("metrics: top-k counts a tie at the boundary in, a NaN score never; k >= classes is 1") {
  const Tensor s = Tensor::from_vector(std::vector<float>{.5f, .5f, .2f, .1f, .1f, .1f}, {2, 3});
  auto top = [&](int k, std::vector<std::int64_t> y) {
    MetricTally t({Metric::top_k_accuracy(k)}, LabelKind::sparse);
    t.add(s, Tensor::from_vector(y, {2}));
    return t.result().at("sparse_top_k_categorical_accuracy");
  };
  CHECK(top(1, {1, 2}) == 1.0);  // both tied at the top: rank 1
  CHECK(top(1, {2, 0}) == 0.5);  // .2 has two scores above it; the all-equal row ranks 1
  CHECK(top(2, {2, 0}) == 0.5);
  CHECK(top(3, {2, 0}) == 1.0);
  CHECK(top(9, {2, 0}) == 1.0);
  MetricTally nan({Metric::top_k_accuracy(3)}, LabelKind::sparse);
  nan.add(Tensor::from_vector(std::vector<float>{std::nanf(""), .1f, .2f}, {1, 3}),
          Tensor::from_vector(std::vector<std::int64_t>{0}, {1}));
  CHECK(nan.result().at("sparse_top_k_categorical_accuracy") == 0.0);
}

TEST_CASE("metrics: one-hot labels give Keras's top_k_categorical_accuracy name") {
  MetricTally t({Metric::top_k_accuracy(2), Metric::accuracy}, LabelKind::one_hot);
  t.add(scores(), one_hot(labels(), 4));
  const Logs l = t.result();
  CHECK(l.at("top_k_categorical_accuracy") == doctest::Approx(5.0 / 6));
  CHECK(l.at("accuracy") == doctest::Approx(2.0 / 6));
  CHECK(l.count("sparse_top_k_categorical_accuracy") == 0);
}

TEST_CASE("metrics: evaluate and fit report the table under Keras-like names") {
  Model m = identity_model(kAll);
  check_table(m.evaluate(scores(), labels(), {.batch_size = 4}));
  std::ostringstream shown;
  auto* old = std::cout.rdbuf(shown.rdbuf());
  History h;
  try {
    h = m.fit(scores(), labels(), {.epochs = 1, .batch_size = 4, .shuffle = false,
                                   .validation_data = ValidationData{{scores()}, labels()},
                                   .verbose = 2});
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  Logs last;
  for (const auto& [k, v] : h.history) last[k] = v.back();
  check_table(last);
  check_table(last, "val_");
  // The progress line shows the macro means, the per-class values stay in History.
  INFO(shown.str());
  CHECK(shown.str().find("f1_score: 0.1833") != std::string::npos);
  CHECK(shown.str().find("val_precision: 0.1667") != std::string::npos);
  CHECK(shown.str().find("precision_0") == std::string::npos);
}

TEST_CASE("metrics: EarlyStopping and ModelCheckpoint maximise precision, recall and F1") {
  for (const char* key : {"val_precision", "val_recall_2", "val_f1_score"}) {
    Model m = identity_model({});
    int epoch_seen = 0;
    auto rising = LambdaCallback({.on_epoch_end = [&](Model&, int e, Logs& logs) {
      logs[key] = 0.1 * (e + 1);
      epoch_seen = e;
    }});
    m.fit(scores(), labels(), {.epochs = 4, .verbose = 0,
                               .callbacks = {rising, EarlyStopping({.monitor = key})}});
    CHECK(epoch_seen == 3);  // always improving: never stopped
  }
}

TEST_CASE("metrics: class metrics with a regression loss are accepted and not logged") {
  auto in = Input({2});
  Model m(in, Dense(1, {.seed = 1})(in));
  m.compile({.loss = MeanSquaredError(), .metrics = kAll});
  const Logs l = m.evaluate(Tensor::ones({4, 2}), Tensor::zeros({4, 1}));
  CHECK(l.size() == 1);
  CHECK(l.count("loss") == 1);
}

TEST_CASE("metrics: 200000 classes count per class, never a classes x classes table") {
  // A word-level vocabulary: the old table of 200000^2 counts (320 GB) threw std::bad_alloc
  // at the first batch, even for accuracy alone.
  constexpr std::int64_t kClasses = 200000;
  std::vector<float> s(2 * kClasses, 0.0f);
  s[1] = 1.0f;             // sample 0: class 1, labelled 1
  s[kClasses + 5] = 1.0f;  // sample 1: class 5, labelled 2
  MetricTally t({Metric::accuracy, Metric::recall}, LabelKind::sparse);
  t.add(Tensor::from_vector(s, {2, kClasses}), Tensor::from_vector(std::vector<std::int64_t>{1, 2}, {2}));
  const Logs l = t.result();
  CHECK(l.at("accuracy") == 0.5);
  CHECK(l.at("recall_1") == 1.0);
  CHECK(l.at("recall_2") == 0.0);
  CHECK(l.at("recall") == doctest::Approx(1.0 / kClasses));
}

}  // TEST_SUITE
