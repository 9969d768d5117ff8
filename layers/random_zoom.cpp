#include <tenet/layers/random_zoom.hpp>

#include "layers/random_draws.hpp"

namespace tenet {

namespace {

RandomTransformOptions shared_options(const RandomZoomOptions& o) {
  return {.fill_mode = o.fill_mode, .interpolation = o.interpolation, .seed = o.seed,
          .fill_value = o.fill_value, .name = o.name};
}

class RandomZoomImpl : public random_draws::AffineAugmentImpl {
 public:
  RandomZoomImpl(Factor h, const RandomZoomOptions& o, std::source_location loc)
      : AffineAugmentImpl("RandomZoom", "random_zoom", shared_options(o), loc), h_(h),
        w_(o.width_factor) {
    const char* meaning = "the zoom is 1 + factor: -1 or less would scale the image by 0 or "
                          "a negative amount";
    random_draws::check_factor("RandomZoom height_factor", h, -1.0, 1.0, true, meaning, site());
    if (w_) random_draws::check_factor("RandomZoom width_factor", *w_, -1.0, 1.0, true, meaning,
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
    std::vector<LayerOption> out = {random_draws::factor_option("height_factor", h_)};
    // Keras writes width_factor: null when it follows the height zoom; tenet's options have no
    // null, so the writer adds it when the key is absent (data/keras_layer_write.cpp).
    if (w_) out.push_back(random_draws::factor_option("width_factor", *w_));
    return out;
  }

  std::string describe() const override {
    return "height " + random_draws::factor_text(h_) +
           (w_ ? ", width " + random_draws::factor_text(*w_) : std::string()) + ", " +
           transform_text();
  }

 private:
  Factor h_;
  std::optional<Factor> w_;
};

}  // namespace

RandomZoom::RandomZoom(Factor height_factor, RandomZoomOptions options, std::source_location loc)
    : Layer(std::make_shared<RandomZoomImpl>(height_factor, options, loc)) {}

}  // namespace tenet
