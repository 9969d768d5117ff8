// Suite "core/kernels": the tests of PlanCache (core/kernels/plan_cache.hpp): one plan per key
// and thread count, at most kMostPlans, the least recently used dropped first, and a model
// predicted at more batch sizes than that giving the same bits as before.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/kernels/memory.hpp"  // engine(), oneDNN
#include "core/kernels/plan_cache.hpp"
#include "support/test_util.hpp"

using namespace tenet;

namespace {
struct Counted {
  int key = 0;
};

// The cache's plan for `key`, counting the plans made.
std::shared_ptr<Counted> plan_for(kernels::PlanCache<Counted>& cache, int key, int& made) {
  return cache.get({key}, [&] {
    ++made;
    return Counted{key};
  });
}
}  // namespace

TEST_SUITE("core/kernels") {

TEST_CASE("PlanCache: one plan per key, at most kMostPlans, the least recently used dropped") {
  kernels::PlanCache<Counted> cache;
  constexpr int most = static_cast<int>(kernels::PlanCache<Counted>::kMostPlans);
  int made = 0;
  const std::shared_ptr<Counted> first = plan_for(cache, 0, made);
  CHECK(plan_for(cache, 0, made) == first);  // found, not made again
  CHECK(made == 1);
  for (int k = 1; k < most; ++k) plan_for(cache, k, made);
  CHECK(cache.size() == kernels::PlanCache<Counted>::kMostPlans);
  CHECK(plan_for(cache, 0, made) == first);  // key 0 used last: key 1 is now the oldest
  CHECK(made == most);
  plan_for(cache, most, made);  // one more: key 1 goes
  CHECK(cache.size() == kernels::PlanCache<Counted>::kMostPlans);
  CHECK(made == most + 1);
  CHECK(plan_for(cache, 0, made) == first);  // kept
  CHECK(made == most + 1);
  const std::shared_ptr<Counted> again = plan_for(cache, 1, made);  // made anew
  CHECK(made == most + 2);
  CHECK(again->key == 1);
  CHECK(cache.size() == kernels::PlanCache<Counted>::kMostPlans);
}

TEST_CASE("PlanCache: a cache shared by every layer of a kind keeps kMostShared plans") {
  kernels::PlanCache<Counted> cache(kernels::PlanCache<Counted>::kMostShared);
  int made = 0;
  for (int k = 0; k < 300; ++k) plan_for(cache, k, made);
  CHECK(cache.size() == kernels::PlanCache<Counted>::kMostShared);
  CHECK(made == 300);
}

TEST_CASE("PlanCache: a dropped plan stays alive while a caller holds it") {
  kernels::PlanCache<Counted> cache;
  int made = 0;
  const std::shared_ptr<Counted> held = plan_for(cache, 7, made);
  for (int k = 100; k < 100 + static_cast<int>(kernels::PlanCache<Counted>::kMostPlans); ++k)
    plan_for(cache, k, made);  // key 7 dropped from the cache
  CHECK(held.use_count() == 1);  // the caller's copy only, still valid
  CHECK(held->key == 7);
  CHECK(plan_for(cache, 7, made) != held);  // a new plan for it
}

TEST_CASE("A model predicted at more batch sizes than a cache keeps gives the same bits again") {
  auto in = Input({13, 13, 32});
  Conv2D conv{64, {3, 3}, {.activation = Activation::relu, .seed = 3}};
  auto y = Dense(10)(Flatten()(MaxPool2D({2, 2})(conv(in))));
  Model m(in, y);
  const Tensor x = Tensor::randn({48, 13, 13, 32}, 4);
  const Tensor before = m.predict(x, {.batch_size = 3});
  // 45 more batch sizes (each with its partial last batch): the plans of batch 3 are dropped.
  for (std::int64_t b = 4; b <= 48; ++b) (void)m.predict(x, {.batch_size = b});
  CHECK(allclose(m.predict(x, {.batch_size = 3}), before, 0.0, 0.0));
}

TEST_CASE("Threads predicting one model at many batch sizes, plans dropped under them, agree") {
  auto in = Input({13, 13, 32});
  Conv2D conv{64, {3, 3}, {.activation = Activation::relu, .seed = 5}};
  Model m(in, Dense(10)(Flatten()(MaxPool2D({2, 2})(conv(in)))));
  const Tensor x = Tensor::randn({40, 13, 13, 32}, 6);
  const Tensor expected = m.predict(x, {.batch_size = 40});
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      // 4 x 10 batch sizes (each with its last partial batch): more plans than a layer keeps.
      for (std::int64_t b = 1 + t; b <= 40; b += 4) {
        const Tensor y = m.predict(x, {.batch_size = b});
        wrong[static_cast<std::size_t>(t)] += !allclose(y, expected, 1e-4, 1e-4);
      }
    });
  for (std::thread& th : threads) th.join();
  for (int w : wrong) CHECK(w == 0);
}

TEST_CASE("Training at many batch sizes and thread counts, plans dropped between steps") {
  const int threads = adaptive_threads() ? 0 : num_threads();
  auto in = Input({13, 13, 32});
  Conv2D conv{64, {3, 3}, {.activation = Activation::relu, .seed = 3}};
  Model m(in, Dense(10)(Flatten()(MaxPool2D({2, 2})(BatchNorm()(conv(in))))));
  m.compile({.optimizer = Adam(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::randn({40, 13, 13, 32}, 1);
  const Tensor labels = Tensor::zeros({40}, DType::i32);
  int non_finite = 0;
  for (std::int64_t b = 1; b <= 40; ++b) {  // 40 sizes x 2 counts: more plans than a layer keeps
    set_num_threads(1 + static_cast<int>(b % 2));
    for (const auto& [name, value] : m.train_on_batch({slice(x, 0, 0, b)}, slice(labels, 0, 0, b)))
      non_finite += !std::isfinite(value);
  }
  CHECK(non_finite == 0);
  set_num_threads(2);
  const Tensor first = m.predict(x, {.batch_size = 7});
  for (std::int64_t b = 8; b <= 40; ++b) (void)m.predict(x, {.batch_size = b});
  CHECK(allclose(m.predict(x, {.batch_size = 7}), first, 0.0, 0.0));  // remade plans, same bits
  set_num_threads(threads);
}

TEST_CASE("oneDNN's primitive cache keeps 64 primitives, not 1024, unless the environment says") {
  (void)kernels::engine();  // the first use sets it
  if (std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY") == nullptr)
    CHECK(dnnl::get_primitive_cache_capacity() == 64);
  else
    CHECK(dnnl::get_primitive_cache_capacity() ==
          std::atoi(std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY")));
}

}  // TEST_SUITE
