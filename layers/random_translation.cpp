#include <tenet/layers/random_translation.hpp>

#include "layers/random_draws.hpp"

namespace tenet {

namespace {

class RandomTranslationImpl : public random_draws::AffineAugmentImpl {
 public:
  RandomTranslationImpl(Factor h, Factor w, const RandomTranslationOptions& o,
                        std::source_location loc)
      : AffineAugmentImpl("RandomTranslation", "random_translation", o, loc), h_(h), w_(w) {
    const char* meaning = "a shift as a fraction of the image size: -1 moves the image out "
                          "by its whole size, 1 the other way";
    random_draws::check_factor("RandomTranslation height_factor", h, -1.0, 1.0, false, meaning,
                               site());
    random_draws::check_factor("RandomTranslation width_factor", w, -1.0, 1.0, false, meaning,
                               site());
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
    return {random_draws::factor_option("height_factor", h_),
            random_draws::factor_option("width_factor", w_)};
  }

  std::string describe() const override {
    return "height " + random_draws::factor_text(h_) + ", width " + random_draws::factor_text(w_) +
           ", " + transform_text();
  }

 private:
  Factor h_, w_;
};

}  // namespace

RandomTranslation::RandomTranslation(Factor height_factor, Factor width_factor,
                                     RandomTranslationOptions options, std::source_location loc)
    : Layer(std::make_shared<RandomTranslationImpl>(height_factor, width_factor, options, loc)) {}

}  // namespace tenet
