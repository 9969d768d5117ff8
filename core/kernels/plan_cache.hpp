#pragma once
// A per-layer (or per-op) cache of kernel plans: the primitives of one input shape and layout,
// built once and reused every step.
#include <omp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace tenet::kernels {

// Primitive plans keyed by input shape. Plans are shared_ptrs so a backward closure keeps the
// plan of its forward call alive even if the cache drops it in between. A layer's cache is
// shared by every thread calling that layer (predict on one Model from several threads), so
// lookups and insertions take a lock; the plans themselves are immutable, and their primitives
// use a per-thread scratchpad (execute), which oneDNN allows to run concurrently.
// Bounded: at most `most` plans (kMostPlans for a layer's own cache), the least recently used
// dropped first. A model predicted at many batch sizes kept a plan (primitives, kept kernels)
// per size and layer for good (with oneDNN's primitive cache, 1.6-1.7 GB for net A's layers at
// batch sizes 1 to 300: benchmarks/plan_memory, docs/architecture.md "Caches").
template <class Plan>
class PlanCache {
 public:
  // A layer's cache: more than a training run keeps in use (its batch and last batch, the
  // validation's, on one and two threads, with and without gradient).
  static constexpr std::size_t kMostPlans = 32;
  // A per-thread cache that every layer of a kind shares (blocked ReLU, concatenation).
  static constexpr std::size_t kMostShared = 256;

  explicit PlanCache(std::size_t most = kMostPlans) : most_(most < 1 ? 1 : most) {}

  // `key` is read, and copied only when a plan is made: a lookup allocates nothing (a
  // single-image predict looked plans up three allocations each).
  template <class Make>
  std::shared_ptr<Plan> get(const std::vector<std::int64_t>& key, Make&& make) {
    // oneDNN fixes a primitive's thread count when it is created (a Model's steps may change
    // the count: core/base/thread_governor.hpp): one plan per count.
    thread_local std::vector<std::int64_t> full;  // key + count; its capacity kept
    full.assign(key.begin(), key.end());
    full.push_back(omp_get_max_threads());
    std::lock_guard lock(mutex_);
    auto it = plans_.find(full);
    if (it != plans_.end()) {
      it->second.used = ++clock_;
      return it->second.plan;
    }
    std::vector<std::int64_t> owned = full;  // before make(), which may look up other plans
    auto plan = std::make_shared<Plan>(make());
    if (plans_.size() >= most_) {
      auto oldest = plans_.begin();
      for (auto i = plans_.begin(); i != plans_.end(); ++i)
        if (i->second.used < oldest->second.used) oldest = i;
      plans_.erase(oldest);
    }
    plans_.emplace(std::move(owned), Entry{plan, ++clock_});
    return plan;
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return plans_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<Plan> plan;
    std::uint64_t used = 0;  // clock_ at the latest lookup
  };
  std::size_t most_;
  std::mutex mutex_;
  std::uint64_t clock_ = 0;
  std::map<std::vector<std::int64_t>, Entry> plans_;
};

}  // namespace tenet::kernels
