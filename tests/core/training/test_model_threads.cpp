// Suite "core/training": the tests of model_threads.
#include <doctest/doctest.h>

#include <cstdint>
#include <atomic>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <set>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "support/test_util.hpp"
#include "support/small_sgd_model.hpp"
#include "core/graph/layer.hpp"
#include "core/training/model_state.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;
using tenet::testing::bitwise_equal;
using tenet::testing::clones;
using tenet::testing::small_model;

namespace {

// Conv2D, BatchNorm, MaxPool2D and Dense: every layer that keeps a cache of oneDNN plans. Every
// seed is explicit, so the weights do not depend on which thread drew from the seed sequence.
Model small_net(std::uint64_t seed) {
  auto in = Input({8, 8, 1});
  auto x = Conv2D(4, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = seed})(in);
  x = BatchNorm()(x);
  x = MaxPool2D({2, 2})(x);
  x = Flatten()(x);
  Model m(in, Dense(3, {.seed = seed + 1})(x));
  m.compile({.optimizer = SGD({.learning_rate = 0.05, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

struct Data {
  Tensor x, y;
};
Data make_data(std::uint64_t seed) {
  Tensor x = Tensor::uniform({64, 8, 8, 1}, seed);
  Tensor y = Tensor::zeros({64}, DType::i32);
  for (std::int64_t i = 0; i < 64; ++i) y.data<std::int32_t>()[i] = static_cast<std::int32_t>(i % 3);
  return {x, y};
}

std::vector<Tensor> train(std::uint64_t seed, const Data& d) {
  Model m = small_net(seed);
  m.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .seed = seed, .verbose = 0});
  return clones(m.weights());
}

}  // namespace

TEST_SUITE("core/training") {

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

TEST_CASE("separate Models trained in separate threads match the same runs one after the other") {
  const Data d1 = make_data(11), d2 = make_data(12);
  const auto seq1 = train(101, d1), seq2 = train(202, d2);
  std::vector<Tensor> par1, par2;
  std::thread t1([&] { par1 = train(101, d1); });
  std::thread t2([&] { par2 = train(202, d2); });
  t1.join();
  t2.join();
  CHECK(bitwise_equal(seq1, par1));
  CHECK(bitwise_equal(seq2, par2));
  CHECK(!bitwise_equal(seq1, seq2));  // the two runs really differ
}

TEST_CASE("several threads calling predict on one Model get the single-threaded result") {
  const Data d = make_data(13);
  Model m = small_net(303);
  m.fit(d.x, d.y, {.epochs = 1, .batch_size = 16, .verbose = 0});
  // Batch sizes no call has used yet, so the threads also race to create oneDNN plans.
  const std::vector<std::int64_t> batches = {5, 7, 9, 11};
  std::vector<Tensor> expected;
  Model reference = small_net(303);  // same weights, its own plan caches
  for (std::size_t i = 0; i < m.layers().size(); ++i) reference.layers()[i].set_weights(m.layers()[i].weights());
  for (auto b : batches) expected.push_back(reference.predict(d.x, {.batch_size = b}));
  std::vector<std::vector<Tensor>> got(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (auto b : batches) got[t].push_back(m.predict(d.x, {.batch_size = b}));
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got)
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(bitwise_equal({g[i]}, {expected[i % batches.size()]}));
}

TEST_CASE("automatic layer names stay unique when layers are created from several threads") {
  clear_session();
  std::vector<std::vector<std::string>> names(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < names.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) names[t].push_back(Dense(2).name());
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& n : names) all.insert(n.begin(), n.end());
  CHECK(all.size() == 1000);
  CHECK(all.count("dense") == 1);
  CHECK(all.count("dense_999") == 1);
}

#if defined(__SSE2__)
// A layer of the user's that notes whether its forward ran with denormals flushed (MXCSR's FTZ
// and DAZ), and returns its input.
class ModeProbeImpl : public LayerImpl {
 public:
  explicit ModeProbeImpl(std::source_location loc) : LayerImpl("ModeProbe", "mode_probe", "", loc) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    flushed = (_mm_getcsr() & 0x8040u) == 0x8040u;
    if (fail && in[0].dim(0) > 0) throw std::runtime_error("the user's layer failed");
    return in[0];
  }
  bool flushed = false, fail = false;
};

// Every step of a Model (train_on_batch, fit, evaluate, predict, test_on_batch) runs the user's
// code in the kernels' denormal mode and gives the caller's mode back (docs/architecture.md,
// "Denormals and threads"). test_on_batch ran in the caller's mode before.
TEST_CASE("every Model step runs in the kernels' denormal mode and restores the caller's") {
  auto probe = std::make_shared<ModeProbeImpl>(std::source_location::current());
  auto in = Input({3});
  Model m(in, Dense(2, {.seed = 1})(Layer(probe)(in)));
  m.compile({.optimizer = SGD({.learning_rate = 0.1}), .loss = SparseCategoricalCrossentropy()});
  const Tensor x = Tensor::ones({4, 3}), y = Tensor::zeros({4}, DType::i32);
  const unsigned original = _mm_getcsr();
  const std::vector<std::pair<std::string, std::function<void()>>> calls{
      {"train_on_batch", [&] { m.train_on_batch({x}, y); }},
      {"fit", [&] { m.fit({x}, y, {.epochs = 1, .batch_size = 4, .verbose = 0}); }},
      {"evaluate", [&] { m.evaluate({x}, y, {.batch_size = 4, .verbose = 0}); }},
      {"predict", [&] { (void)m.predict({x}); }},
      {"test_on_batch", [&] { m.test_on_batch({x}, y); }}};
  for (const auto& [name, call] : calls) {
    CAPTURE(name);
    _mm_setcsr(original & ~0x8040u);  // a caller in IEEE mode
    probe->flushed = false;
    call();
    CHECK(probe->flushed);
    CHECK((_mm_getcsr() & 0x8040u) == 0u);
  }
  // A step that throws (the user's layer fails inside it) gives the caller's mode back too.
  probe->fail = true;
  for (const auto& [name, call] : calls) {
    CAPTURE(name);
    _mm_setcsr(original & ~0x8040u);
    bool threw = false;
    try {
      call();
    } catch (const std::exception&) {
      threw = true;
    }
    CHECK(threw);
    CHECK((_mm_getcsr() & 0x8040u) == 0u);
  }
  probe->fail = false;
  _mm_setcsr(original);
}
#endif

// evaluate times the loss and metrics with the forward pass, so its time per sample is not a
// predict batch's: before, its batches shared predict's governors and mixed both kinds of step
// in one governor's windows.
TEST_CASE("evaluate's batches have thread governors of their own, apart from predict's") {
  const bool was_adaptive = adaptive_threads();
  const int before = num_threads();
  set_num_threads(0);  // automatic: steps are governed
  Model m = small_net(21);
  const Data d = make_data(22);
  (void)m.evaluate(d.x, d.y, {.batch_size = 16, .verbose = 0});
  const auto& s = model_state(m);
  CHECK(s->evaluate_threads.state(16).current > 0);
  CHECK(s->predict_threads.state(16).current == 0);  // predict never ran
  (void)m.predict(d.x, {.batch_size = 8});
  CHECK(s->predict_threads.state(8).current > 0);
  CHECK(s->evaluate_threads.state(8).current == 0);
  CHECK(s->train_threads.state(16).current == 0);
  if (!was_adaptive) set_num_threads(before);
}

}  // TEST_SUITE
