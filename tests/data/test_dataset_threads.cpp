// One data::Epoch drained by several threads (a work queue): each batch goes to one of them.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

using namespace tenet;

TEST_SUITE("data") {

TEST_CASE("Epoch::next from two threads: every batch once, none lost, no error") {
  for (const bool prefetch : {true, false}) {
    CAPTURE(prefetch);
    const Tensor rows = Tensor::arange(800).reshape({800, 1});
    auto ds = data::Dataset::from_tensors({rows}, Tensor::zeros({800}, DType::i32)).batch(2);
    if (!prefetch) ds = ds.prefetch(false);
    data::Epoch e = ds.epoch(0);
    std::mutex m;
    std::multiset<float> seen;
    std::atomic<int> errors{0};
    auto drain = [&] {
      try {
        while (auto b = e.next()) {
          const std::lock_guard lock(m);
          for (std::int64_t r = 0; r < b->inputs[0].dim(0); ++r) seen.insert(b->inputs[0].at({r, 0}));
        }
      } catch (...) {  // std::future's "Invalid argument", or worse, a hang, before
        ++errors;
      }
    };
    std::thread t(drain);
    drain();
    t.join();
    CHECK(errors == 0);
    CHECK(seen.size() == 800);
    CHECK(std::set<float>(seen.begin(), seen.end()).size() == 800);
    CHECK_FALSE(e.next().has_value());  // finished stays finished
  }
}

}  // TEST_SUITE
