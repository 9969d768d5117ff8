// The geometric augmentation layers (random_affine.hpp): their shared base, which draws one
// transform per image and applies it with affine_transform, then RandomTranslation,
// RandomZoom and RandomRotation, each a transform rule and its options.
#include <tenet/layers/random_affine.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/enum_checks.hpp"
#include "core/contracts/layer_checks.hpp"
#include "core/graph/builtin.hpp"
#include "layers/random_draws.hpp"

namespace tenet {

namespace {

// Refuses (options.invalid) a factor whose values as given (the number, or both bounds of a
// pair) leave [lo, hi] (lo itself excluded when lo_open), naming the layer's option
// ("RandomZoom height_factor") and what it means.
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

// A factor as Keras's config holds it: the number given, or [lower, upper].
LayerOption factor_option(const std::string& key, const Factor& f) {
  if (f.single) return {key, f.given};
  return {key, std::vector<double>{f.lower, f.upper}};
}

// "0.1" or "[-0.1, 0.2]"
std::string factor_text(const Factor& f) {
  char buf[64];
  if (f.single) std::snprintf(buf, sizeof buf, "%g", f.given);
  else std::snprintf(buf, sizeof buf, "[%g, %g]", f.lower, f.upper);
  return buf;
}

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
  virtual std::vector<ImageTransform> transforms(const random_draws::Draws& draws, const Shape& shape) const = 0;
  // This layer's own options (factors), in Keras's config order, before the shared ones.
  virtual std::vector<LayerOption> factor_options() const = 0;

 protected:
  std::string transform_text() const;  // "reflect, bilinear"

 private:
  RandomTransformOptions o_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;  // advances once per training call: new draws each time
};

AffineAugmentImpl::AffineAugmentImpl(std::string type, std::string base_name,
                                     const RandomTransformOptions& o, std::source_location loc)
    : LayerImpl(std::move(type), std::move(base_name), o.name, loc), o_(o),
      seed_(layer_seed(o.seed)) {
  const double largest = std::numeric_limits<float>::max();  // the images are float32
  checks::check_option_real(this->type() + " fill_value", o.fill_value, -largest, largest, true,
                            site(), Phase::build,
                            "the images are float32, where " + checks::option_value(o.fill_value) +
                                " is infinite: FillMode::constant would fill the border with inf");
  checks::check_enum((this->type() + " fill_mode").c_str(), o.fill_mode, "FillMode", 4,
                     fill_mode_name, site(), Phase::build);
  checks::check_enum((this->type() + " interpolation").c_str(), o.interpolation, "Interpolation",
                     2, interpolation_name, site(), Phase::build);
}

Shape AffineAugmentImpl::output_shape(const std::vector<Shape>& in, Phase phase) {
  checks::check_image_rank(in[0], site(), phase);
  return in[0];
}

Tensor AffineAugmentImpl::forward(const std::vector<Tensor>& in, const CallOptions& opts) {
  if (!opts.training) return in[0];
  const random_draws::Draws draws(seed_, calls_++);
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

class RandomTranslationImpl : public AffineAugmentImpl {
 public:
  RandomTranslationImpl(Factor h, Factor w, const RandomTranslationOptions& o,
                        std::source_location loc)
      : AffineAugmentImpl("RandomTranslation", "random_translation", o, loc), h_(h), w_(w) {
    const char* meaning = "a shift as a fraction of the image size: -1 moves the image out "
                          "by its whole size, 1 the other way";
    check_factor("RandomTranslation height_factor", h, -1.0, 1.0, false, meaning, site());
    check_factor("RandomTranslation width_factor", w, -1.0, 1.0, false, meaning, site());
  }

  // Sample i shifts by (dy, dx) = (u * H, v * W) pixels with u from height_factor (draw 2i)
  // and v from width_factor (draw 2i + 1): output (x, y) reads input (x - dx, y - dy).
  std::vector<ImageTransform> transforms(const random_draws::Draws& d,
                                         const Shape& s) const override {
    std::vector<ImageTransform> t(static_cast<std::size_t>(s[0]));
    for (std::size_t i = 0; i < t.size(); ++i) {
      const float dy = d.uniform(2 * i, h_.lower, h_.upper) * static_cast<float>(s[1]);
      const float dx = d.uniform(2 * i + 1, w_.lower, w_.upper) * static_cast<float>(s[2]);
      t[i] = {1, 0, -dx, 0, 1, -dy, 0, 0};
    }
    return t;
  }

  std::vector<LayerOption> factor_options() const override {
    return {factor_option("height_factor", h_),
            factor_option("width_factor", w_)};
  }

  std::string describe() const override {
    return "height " + factor_text(h_) + ", width " + factor_text(w_) +
           ", " + transform_text();
  }

 private:
  Factor h_, w_;
};

RandomTransformOptions shared_options(const RandomZoomOptions& o) {
  return {.fill_mode = o.fill_mode, .interpolation = o.interpolation, .seed = o.seed,
          .fill_value = o.fill_value, .name = o.name};
}

class RandomZoomImpl : public AffineAugmentImpl {
 public:
  RandomZoomImpl(Factor h, const RandomZoomOptions& o, std::source_location loc)
      : AffineAugmentImpl("RandomZoom", "random_zoom", shared_options(o), loc), h_(h),
        w_(o.width_factor) {
    const char* meaning = "the zoom is 1 + factor: -1 or less would scale the image by 0 or "
                          "a negative amount";
    check_factor("RandomZoom height_factor", h, -1.0, 1.0, true, meaning, site());
    if (w_) check_factor("RandomZoom width_factor", *w_, -1.0, 1.0, true, meaning,
                                       site());
  }

  // Sample i: zoom zy = 1 + u (height_factor, draw 2i), zx = 1 + v (width_factor, draw 2i + 1,
  // or zy without one), about the centre: output (x, y) reads
  // (zx x + (W - 1) / 2 (1 - zx), zy y + (H - 1) / 2 (1 - zy)).
  std::vector<ImageTransform> transforms(const random_draws::Draws& d,
                                         const Shape& s) const override {
    std::vector<ImageTransform> t(static_cast<std::size_t>(s[0]));
    const float half_w = (static_cast<float>(s[2]) - 1.0f) / 2.0f;
    const float half_h = (static_cast<float>(s[1]) - 1.0f) / 2.0f;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const float zy = d.uniform(2 * i, 1.0 + h_.lower, 1.0 + h_.upper);
      const float zx = w_ ? d.uniform(2 * i + 1, 1.0 + w_->lower, 1.0 + w_->upper) : zy;
      t[i] = {zx, 0, half_w * (1.0f - zx), 0, zy, half_h * (1.0f - zy), 0, 0};
    }
    return t;
  }

  std::vector<LayerOption> factor_options() const override {
    std::vector<LayerOption> out = {factor_option("height_factor", h_)};
    // Keras writes width_factor: null when it follows the height zoom; tenet's options have no
    // null, so the writer adds it when the key is absent (data/keras_layer_write.cpp).
    if (w_) out.push_back(factor_option("width_factor", *w_));
    return out;
  }

  std::string describe() const override {
    return "height " + factor_text(h_) +
           (w_ ? ", width " + factor_text(*w_) : std::string()) + ", " +
           transform_text();
  }

 private:
  Factor h_;
  std::optional<Factor> w_;
};

class RandomRotationImpl : public AffineAugmentImpl {
 public:
  RandomRotationImpl(Factor f, const RandomRotationOptions& o, std::source_location loc)
      : AffineAugmentImpl("RandomRotation", "random_rotation", o, loc), f_(f) {
    const char* meaning = "the angle as a fraction of a full turn (0.25 is 90 degrees)";
    if (f.single) {
      check_factor("RandomRotation factor", f, -1.0, 1.0, false, meaning, site());
      return;
    }
    // Keras's rule for a pair: finite, and the range must reach into [-1, 1].
    for (double v : {f.lower, f.upper})
      checks::check_option_finite("RandomRotation factor", v, site(), Phase::build);
    if (f.lower > 1.0 || f.upper < -1.0)
      checks::invalid_option("RandomRotation factor", factor_text(f),
                             "a range that reaches into [-1, 1]", site(), Phase::build, meaning);
  }

  // Sample i turns by a = u * 360 degrees (u from factor, draw i) about the centre
  // (cx, cy) = ((W - 1) / 2, (H - 1) / 2): Keras's _compute_affine_matrix with no shear,
  // scale 1 and no translation, in float32 with its order of operations.
  std::vector<ImageTransform> transforms(const random_draws::Draws& d,
                                         const Shape& s) const override {
    std::vector<ImageTransform> t(static_cast<std::size_t>(s[0]));
    const auto to_radians = static_cast<float>(std::numbers::pi / 180.0);
    const float cx = 0.5f * (static_cast<float>(s[2]) - 1.0f);
    const float cy = 0.5f * (static_cast<float>(s[1]) - 1.0f);
    for (std::size_t i = 0; i < t.size(); ++i) {
      const float angle = d.uniform(i, f_.lower * 360.0, f_.upper * 360.0) * to_radians;
      const float c = std::cos(angle), sn = std::sin(angle);
      const float a2 = (cx - cx * c) - cy * -sn;
      const float b2 = (cy - cx * sn) - cy * c;
      t[i] = {c, -sn, a2, sn, c, b2, 0, 0};
    }
    return t;
  }

  std::vector<LayerOption> factor_options() const override {
    // Keras keeps the factor as the pair (lower, upper), even when given as one number.
    return {{"factor", std::vector<double>{f_.lower, f_.upper}}};
  }

  std::string describe() const override {
    return factor_text(f_) + " turn, " + transform_text();
  }

 private:
  Factor f_;
};

}  // namespace

RandomTranslation::RandomTranslation(Factor height_factor, Factor width_factor,
                                     RandomTranslationOptions options, std::source_location loc)
    : Layer(std::make_shared<RandomTranslationImpl>(height_factor, width_factor, options, loc)) {}

RandomZoom::RandomZoom(Factor height_factor, RandomZoomOptions options, std::source_location loc)
    : Layer(std::make_shared<RandomZoomImpl>(height_factor, options, loc)) {}

RandomRotation::RandomRotation(Factor factor, RandomRotationOptions options,
                               std::source_location loc)
    : Layer(std::make_shared<RandomRotationImpl>(factor, options, loc)) {}

}  // namespace tenet
