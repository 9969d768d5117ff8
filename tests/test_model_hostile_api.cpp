// Suite "model", part "hostile_api": batch sizes near INT64_MAX, for arrays and Datasets,
// one_hot labels no integer holds, an Input listed twice, several outputs given to compile,
// and fit, train_on_batch or compile called while the same Model trains (from a callback or
// another thread).
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <cstdint>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
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

TEST_CASE("hostile api: an Input listed twice in a Model is refused") {
  // Model({a, a}, ...) took two arrays and silently used only the second one.
  auto a = Input({4}, {.name = "pixels"});
  auto e = capture([&] { Model m(std::vector<SymbolicTensor>{a, a}, Dense(2)(a)); });
  CHECK(e.code() == "model.graph");
  CHECK(e.phase() == Phase::build);
  CHECK(mentions(e, "the Input 'pixels' is listed twice in the model's inputs"));
  CHECK(mentions(e, "inputs: pixels (None, 4), pixels (None, 4)"));
}

TEST_CASE("hostile api: fit, train_on_batch and compile refuse to run inside a running fit") {
  Tensor x = Tensor::randn({8, 4}, 1), y = Tensor::randn({8, 3}, 2);
  // A fit from on_epoch_end reset the History the outer fit was filling.
  auto m = small_model();
  std::vector<std::string> codes;
  auto nested = [&](Model& mm) {
    for (auto call : {+[](Model& n, const Tensor& a, const Tensor& b) { n.fit(a, b, {.verbose = 0}); },
                      +[](Model& n, const Tensor& a, const Tensor& b) { n.train_on_batch({a}, b); },
                      +[](Model& n, const Tensor&, const Tensor&) {
                        n.compile({.optimizer = Adam(), .loss = MeanSquaredError()});
                      }}) {
      auto e = capture([&] { call(mm, x, y); });
      codes.push_back(e.code());
      CHECK(mentions(e, "called while this model is already training"));
    }
  };
  History h = m.fit(x, y, {.epochs = 2, .batch_size = 4, .verbose = 0,
                           .callbacks = {LambdaCallback({.on_epoch_end = [&](Model& mm, int, Logs&) {
                             nested(mm);
                           }})}});
  CHECK(codes == std::vector<std::string>(6, "model.compile"));
  CHECK(h["loss"].size() == 2);
  CHECK(m.optimizer().impl()->name() == "SGD");
  CHECK(m.optimizer().impl()->iterations() == 4);
  // predict and evaluate inside a callback stay allowed, and the guard is released after a
  // callback throws: the next fit runs.
  CHECK_THROWS_AS(m.fit(x, y, {.verbose = 0, .callbacks = {LambdaCallback({.on_batch_end =
                      [&](Model& mm, int, Logs&) {
                        (void)mm.predict(x);
                        (void)mm.evaluate(x, y);
                        throw std::runtime_error("user callback");
                      }})}}),
                  std::runtime_error);
  CHECK(m.fit(x, y, {.verbose = 0})["loss"].size() == 1);
}

TEST_CASE("hostile api: a second thread's fit on a training Model is refused, not raced") {
  Tensor x = Tensor::randn({8, 4}, 1), y = Tensor::randn({8, 3}, 2);
  auto m = small_model();
  std::atomic<bool> inside{false}, done{false};
  std::string code;
  // The other thread calls fit while the first is inside its first epoch (held there until the
  // other thread has its answer): deterministic, no timing.
  std::thread other([&] {
    while (!inside.load()) std::this_thread::yield();
    try {
      m.fit(x, y, {.verbose = 0});
    } catch (const ContractError& e) {
      code = e.code();
    }
    done.store(true);
  });
  m.fit(x, y, {.verbose = 0, .callbacks = {LambdaCallback({.on_epoch_begin = [&](Model&, int) {
                 inside.store(true);
                 while (!done.load()) std::this_thread::yield();
               }})}});
  other.join();
  CHECK(code == "model.compile");
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
