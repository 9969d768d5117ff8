#include <tenet/layers/random_rotation.hpp>

#include <cmath>
#include <numbers>

#include <tenet/core/contracts/checks.hpp>
#include "layers/random_draws.hpp"

namespace tenet {

namespace {

class RandomRotationImpl : public random_draws::AffineAugmentImpl {
 public:
  RandomRotationImpl(Factor f, const RandomRotationOptions& o, std::source_location loc)
      : AffineAugmentImpl("RandomRotation", "random_rotation", o, loc), f_(f) {
    const char* meaning = "the angle as a fraction of a full turn (0.25 is 90 degrees)";
    if (f.single) {
      random_draws::check_factor("RandomRotation factor", f, -1.0, 1.0, false, meaning, site());
      return;
    }
    // Keras's rule for a pair: finite, and the range must reach into [-1, 1].
    for (double v : {f.lower, f.upper})
      checks::check_option_finite("RandomRotation factor", v, site(), Phase::build);
    if (f.lower > 1.0 || f.upper < -1.0)
      checks::invalid_option("RandomRotation factor", random_draws::factor_text(f),
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
    return random_draws::factor_text(f_) + " turn, " + transform_text();
  }

 private:
  Factor f_;
};

}  // namespace

RandomRotation::RandomRotation(Factor factor, RandomRotationOptions options,
                               std::source_location loc)
    : Layer(std::make_shared<RandomRotationImpl>(factor, options, loc)) {}

}  // namespace tenet
