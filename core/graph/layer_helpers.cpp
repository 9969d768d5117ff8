// What layers share beyond LayerImpl: automatic names and seeds, the names of options, Glorot
// initialisation and activations applied as ops (core/graph/layer.hpp declares them).
#include <tenet/core/graph/layer.hpp>

#include <cmath>
#include <map>
#include <mutex>

#include <tenet/core/ops/ops.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/tensor/tensor_impl.hpp"

namespace tenet {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::none: return "linear";
    case Activation::relu: return "relu";
    case Activation::softmax: return "softmax";
  }
  return "?";
}
const char* padding_name(Padding p) { return p == Padding::same ? "same" : "valid"; }

namespace {
std::mutex g_names_mutex;
std::map<std::string, int> g_name_counts;
}  // namespace

std::string unique_layer_name(const std::string& base) {
  std::lock_guard lock(g_names_mutex);
  int n = g_name_counts[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

namespace {
std::uint64_t g_seed_base = 1337, g_seed_count = 0;
}

void set_random_seed(std::uint64_t seed) {
  std::lock_guard lock(g_names_mutex);
  g_seed_base = seed;
  g_seed_count = 0;
}

std::uint64_t layer_seed(std::uint64_t requested) {
  if (requested != 0) return requested;
  std::lock_guard lock(g_names_mutex);
  // splitmix64 of (base, count): well-spread seeds from a simple counter.
  std::uint64_t z = g_seed_base + 0x9E3779B97F4A7C15ULL * ++g_seed_count;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void clear_session() {
  std::lock_guard lock(g_names_mutex);
  g_name_counts.clear();
  g_seed_base = 1337;
  g_seed_count = 0;
}

Tensor glorot_uniform(const Shape& shape, double fan_in, double fan_out, std::uint64_t seed) {
  // Every kernel (Dense, Conv2D) is counted before it exists: a model read from a file stops
  // at tenet::keras::kMaxParameters (data/keras.hpp) before allocating what it cannot hold.
  if (const auto& layer = current_layer_site()) checks::charge_weights(shape, *layer);
  double limit = std::sqrt(6.0 / (fan_in + fan_out));
  return Tensor::uniform(shape, seed, -limit, limit);
}

Tensor apply_activation(const Tensor& x, Activation a) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return relu(x);
    case Activation::softmax: return softmax(x, -1);
  }
  return x;
}

}  // namespace tenet
