// Suite "model", part "threads": what docs/models.md ("Threads") promises. Separate Models in
// separate threads train to the same weights as when run one after the other; several threads
// calling predict on one Model get the single-threaded result; automatic names stay unique when
// layers are created from several threads at once.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;
using tenet::testing::clones;

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

TEST_SUITE("model") {

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

}  // TEST_SUITE
