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
// plan of its forward call alive even if the cache is cleared in between. A layer's cache is
// shared by every thread calling that layer (predict on one Model from several threads), so
// lookups and insertions take a lock; the plans themselves are immutable, and their primitives
// use a per-thread scratchpad (execute), which oneDNN allows to run concurrently.
template <class Plan>
class PlanCache {
 public:
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
    if (it != plans_.end()) return it->second;
    std::vector<std::int64_t> owned = full;  // before make(), which may look up other plans
    auto plan = std::make_shared<Plan>(make());
    plans_.emplace(std::move(owned), plan);
    return plan;
  }

 private:
  std::mutex mutex_;
  std::map<std::vector<std::int64_t>, std::shared_ptr<Plan>> plans_;
};

}  // namespace tenet::kernels
