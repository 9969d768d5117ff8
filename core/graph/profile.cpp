#include "core/graph/profile.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace tenet::profiling {

namespace {
std::atomic<bool> g_on{false};
std::mutex g_mutex;
std::vector<LayerTiming> g_rows;
std::map<std::string, std::size_t> g_index;
}  // namespace

bool enabled() { return g_on.load(std::memory_order_relaxed); }

void start() {
  std::lock_guard lock(g_mutex);
  g_rows.clear();
  g_index.clear();
  g_on = true;
}

std::vector<LayerTiming> stop() {
  std::lock_guard lock(g_mutex);
  g_on = false;
  return g_rows;
}

void record(const std::string& layer, bool backward, double ms) {
  std::lock_guard lock(g_mutex);
  auto [it, fresh] = g_index.emplace(layer, g_rows.size());
  if (fresh) g_rows.push_back({layer, 0, 0, 0});
  LayerTiming& row = g_rows[it->second];
  if (backward) row.backward_ms += ms;
  else row.forward_ms += ms, ++row.calls;
}

}  // namespace tenet::profiling
