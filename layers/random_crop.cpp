#include <tenet/layers/random_crop.hpp>

#include <algorithm>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/core/ops/ops.hpp>
#include "layers/random_draws.hpp"
#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"

namespace tenet {

namespace {

struct Window {
  std::int64_t top, left, height, width;
};

// Keras's window when it does not draw one: the largest window with the target's aspect
// ratio, centred (integer arithmetic as Keras's int(float(...))).
Window centred_window(std::int64_t h, std::int64_t w, std::int64_t th, std::int64_t tw) {
  std::int64_t ch = static_cast<std::int64_t>(static_cast<double>(w * th) / static_cast<double>(tw));
  ch = std::max<std::int64_t>(std::min(h, ch), 1);
  std::int64_t cw = static_cast<std::int64_t>(static_cast<double>(h * tw) / static_cast<double>(th));
  cw = std::max<std::int64_t>(std::min(w, cw), 1);
  return {static_cast<std::int64_t>(static_cast<double>(h - ch) / 2),
          static_cast<std::int64_t>(static_cast<double>(w - cw) / 2), ch, cw};
}

// x (N, H, W, C) -> the window (N, height, width, C), resized to (th, tw) when it differs.
Tensor crop(const Tensor& x, const Window& win, std::int64_t th, std::int64_t tw) {
  const std::int64_t bottom = std::min(win.top + win.height, x.dim(1));
  const std::int64_t right = std::min(win.left + win.width, x.dim(2));
  Tensor y = slice(slice(x, 1, win.top, bottom), 2, win.left, right);
  if (y.dim(1) == th && y.dim(2) == tw) return y;
  return resize(y, {th, tw});
}

class RandomCropImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  RandomCropImpl(std::int64_t h, std::int64_t w, const RandomCropOptions& o,
                 std::source_location loc)
      : LayerImpl("RandomCrop", "random_crop", o.name, loc), height_(h), width_(w),
        seed_(layer_seed(o.seed)) {
    checks::check_option_positive("RandomCrop height", h, "the output height in pixels", site(),
                                  Phase::build);
    checks::check_option_positive("RandomCrop width", w, "the output width in pixels", site(),
                                  Phase::build);
  }

  // (batch, H, W, C) -> (batch, height, width, C); H and W may be unknown until data flows.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_image_rank(in[0], site(), phase);
    return Shape{in[0][0], height_, width_, in[0][3]};
  }

  // Training on an input larger on both axes: the window's top-left corner drawn uniformly
  // (draw 0: top in [0, H - height], draw 1: left in [0, W - width]), one for the batch.
  // Training otherwise: Keras's window of the target size from the centred corner, clipped to
  // the image and resized. Inference: the centred window of the target's aspect, resized.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override {
    const Tensor& x = in[0];
    const std::int64_t h = x.dim(1), w = x.dim(2);
    const Window centred = centred_window(h, w, height_, width_);
    if (!opts.training) return crop(x, centred, height_, width_);
    if (h > height_ && w > width_) {
      const random_draws::Draws draws(seed_, calls_++);
      const auto top = static_cast<std::int64_t>(draws.uniform(0, 0.0, double(h - height_ + 1)));
      const auto left = static_cast<std::int64_t>(draws.uniform(1, 0.0, double(w - width_ + 1)));
      return crop(x, {std::min(top, h - height_), std::min(left, w - width_), height_, width_},
                  height_, width_);
    }
    ++calls_;
    return crop(x, {centred.top, centred.left, height_, width_}, height_, width_);
  }

  checks::LayerFacts facts() const override { return checks::facts_of(checks::SizeRule::resizes); }
  std::string describe() const override {
    return std::to_string(height_) + "x" + std::to_string(width_);
  }
  std::vector<LayerOption> options() const override {
    return {{"height", height_}, {"width", width_}, {"seed", static_cast<std::int64_t>(seed_)}};
  }

 private:
  std::int64_t height_, width_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;  // advances once per training call: new draws each time
};

}  // namespace

RandomCrop::RandomCrop(std::int64_t height, std::int64_t width, RandomCropOptions options,
                       std::source_location loc)
    : Layer(std::make_shared<RandomCropImpl>(height, width, options, loc)) {}

}  // namespace tenet
