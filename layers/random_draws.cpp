#include "layers/random_draws.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/layers/global_pooling.hpp>

namespace tenet::random_draws {

std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

float Draws::uniform(std::uint64_t j, double lo, double hi) const {
  const auto flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
  return flo + (fhi - flo) * static_cast<float>(uniform(j));
}

void check_factor(const std::string& option, const Factor& f, double lo, double hi, bool lo_open,
                  const std::string& meaning, const Site& where) {
  // Keras checks the values given: f itself for a single number (its range is [-|f|, |f|]).
  const std::vector<double> given = f.single ? std::vector<double>{f.given}
                                             : std::vector<double>{f.lower, f.upper};
  for (double v : given) {
    if (lo_open)
      checks::check_option_above(option, v, lo, where, Phase::build, meaning);
    checks::check_option_real(option, v, lo, hi, true, where, Phase::build, meaning);
  }
}

LayerOption factor_option(const std::string& key, const Factor& f) {
  if (f.single) return {key, f.given};
  return {key, std::vector<double>{f.lower, f.upper}};
}

std::string factor_text(const Factor& f) {
  char buf[64];
  if (f.single) std::snprintf(buf, sizeof buf, "%g", f.given);
  else std::snprintf(buf, sizeof buf, "[%g, %g]", f.lower, f.upper);
  return buf;
}

AffineAugmentImpl::AffineAugmentImpl(std::string type, std::string base_name,
                                     const RandomTransformOptions& o, std::source_location loc)
    : LayerImpl(std::move(type), std::move(base_name), o.name, loc), o_(o),
      seed_(layer_seed(o.seed)) {
  const double largest = std::numeric_limits<float>::max();  // the images are float32
  checks::check_option_real(this->type() + " fill_value", o.fill_value, -largest, largest, true,
                            site(), Phase::build,
                            "the images are float32, where " + checks::option_value(o.fill_value) +
                                " is infinite: FillMode::constant would fill the border with inf");
}

Shape AffineAugmentImpl::output_shape(const std::vector<Shape>& in, Phase phase) {
  check_image_input(in[0], type(), site(), phase);
  return in[0];
}

Tensor AffineAugmentImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  if (!opts.training) return in[0];
  const Draws draws(seed_, calls_++);
  return affine_transform(in[0], transforms(draws, in[0].shape()),
                          {.interpolation = o_.interpolation, .fill_mode = o_.fill_mode,
                           .fill_value = static_cast<float>(o_.fill_value)});
}

std::vector<LayerOption> AffineAugmentImpl::options() const {
  std::vector<LayerOption> out = factor_options();
  out.push_back({"fill_mode", std::string(fill_mode_name(o_.fill_mode))});
  out.push_back({"interpolation", std::string(interpolation_name(o_.interpolation))});
  out.push_back({"seed", static_cast<std::int64_t>(seed_)});
  out.push_back({"fill_value", o_.fill_value});
  return out;
}

checks::LayerFacts AffineAugmentImpl::facts() const {
  return checks::facts_of(checks::SizeRule::keeps);
}

std::string AffineAugmentImpl::transform_text() const {
  return std::string(fill_mode_name(o_.fill_mode)) + ", " + interpolation_name(o_.interpolation);
}

}  // namespace tenet::random_draws
