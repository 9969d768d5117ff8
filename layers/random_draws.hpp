#pragma once
// Internal: the random numbers of tenet's seeded layers (Dropout and the augmentation layers).
// Not installed.
#include <cstdint>

namespace tenet::random_draws {

// splitmix64: spreads (seed, call index, draw index) into independent 64-bit values.
inline std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The draws of one training call of a seeded layer. Counter-based: draw j depends only on
// (seed, call, j), never on the order or the thread computing it, so results are the same for
// every thread count.
class Draws {
 public:
  Draws(std::uint64_t seed, std::uint64_t call) : key_(mix(seed ^ mix(call))) {}
  // Uniform in [0, 1), 53 bits.
  double uniform(std::uint64_t j) const {
    return static_cast<double>(mix(key_ + j) >> 11) * 0x1.0p-53;
  }
  // Uniform in [lo, hi) in float32, as Keras: lo + (hi - lo) * u (exactly lo when hi == lo).
  float uniform(std::uint64_t j, double lo, double hi) const {
    const auto flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
    return flo + (fhi - flo) * static_cast<float>(uniform(j));
  }

 private:
  std::uint64_t key_;
};

}  // namespace tenet::random_draws
