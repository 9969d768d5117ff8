#pragma once
// Internal: the random numbers of tenet's seeded layers (Dropout and the augmentation layers)
// and what the geometric augmentation layers share. Not installed.
#include <cstdint>
#include <string>
#include <vector>

#include <tenet/core/graph/layer.hpp>
#include <tenet/layers/random_transform.hpp>
#include "core/graph/builtin.hpp"

namespace tenet::random_draws {

// splitmix64: spreads (seed, call index, draw index) into independent 64-bit values.
std::uint64_t mix(std::uint64_t z);

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
  float uniform(std::uint64_t j, double lo, double hi) const;

 private:
  std::uint64_t key_;
};

// Refuses (options.invalid) a factor whose values as given (the number, or both bounds of a
// pair) leave [lo, hi] (lo itself excluded when lo_open), naming the layer's option
// ("RandomZoom height_factor") and what it means.
void check_factor(const std::string& option, const Factor& f, double lo, double hi, bool lo_open,
                  const std::string& meaning, const Site& where);

// A factor as Keras's config holds it: the number given, or [lower, upper].
LayerOption factor_option(const std::string& key, const Factor& f);
std::string factor_text(const Factor& f);  // "0.1" or "[-0.1, 0.2]"

// The geometric augmentation layers (RandomTranslation, RandomZoom, RandomRotation): shape
// (N, H, W, C) kept; when training, one transform per sample from the call's draws, applied
// by affine_transform; identity otherwise.
class AffineAugmentImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  AffineAugmentImpl(std::string type, std::string base_name, const RandomTransformOptions& o,
                    std::source_location loc);
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override;
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override;
  std::vector<LayerOption> options() const override;
  checks::LayerFacts facts() const override;

  // The transforms of one call for images of `shape` (N, H, W, C): N rows (Keras's matrices).
  virtual std::vector<ImageTransform> transforms(const Draws& draws, const Shape& shape) const = 0;
  // This layer's own options (factors), in Keras's config order, before the shared ones.
  virtual std::vector<LayerOption> factor_options() const = 0;

 protected:
  std::string transform_text() const;  // "reflect, bilinear"

 private:
  RandomTransformOptions o_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;  // advances once per training call: new draws each time
};

}  // namespace tenet::random_draws
