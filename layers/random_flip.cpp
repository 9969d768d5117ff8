#include <tenet/layers/random_flip.hpp>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/image.hpp>
#include "layers/random_draws.hpp"
#include "core/graph/builtin.hpp"
#include "core/contracts/enum_checks.hpp"
#include "core/contracts/layer_checks.hpp"

namespace tenet {

const char* flip_mode_name(FlipMode m) {
  switch (m) {
    case FlipMode::horizontal: return "horizontal";
    case FlipMode::vertical: return "vertical";
    case FlipMode::horizontal_and_vertical: return "horizontal_and_vertical";
  }
  return "?";
}

namespace {

class RandomFlipImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  RandomFlipImpl(FlipMode mode, const RandomFlipOptions& o, std::source_location loc)
      : LayerImpl("RandomFlip", "random_flip", o.name, loc), mode_(mode),
        seed_(layer_seed(o.seed)) {
    checks::check_enum("RandomFlip mode", mode, "FlipMode", 3, flip_mode_name, site(),
                       Phase::build);
  }

  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_image_rank(in[0], site(), phase);
    return in[0];
  }

  // Sample i flips when draw i, uniform in [0, 1), is <= 0.5 (Keras's rule); with
  // horizontal_and_vertical the same draw flips both axes.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override {
    if (!opts.training) return in[0];
    const random_draws::Draws draws(seed_, calls_++);
    std::vector<bool> which(static_cast<std::size_t>(in[0].dim(0)));
    for (std::size_t i = 0; i < which.size(); ++i) which[i] = draws.uniform(i) <= 0.5;
    return flip_images(in[0], which, mode_ != FlipMode::vertical, mode_ != FlipMode::horizontal);
  }

  checks::LayerFacts facts() const override { return checks::facts_of(checks::SizeRule::keeps); }
  std::string describe() const override { return flip_mode_name(mode_); }
  std::vector<LayerOption> options() const override {
    return {{"mode", std::string(flip_mode_name(mode_))},
            {"seed", static_cast<std::int64_t>(seed_)}};
  }

 private:
  FlipMode mode_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;  // advances once per training call: new draws each time
};

}  // namespace

RandomFlip::RandomFlip(FlipMode mode, RandomFlipOptions options, std::source_location loc)
    : Layer(std::make_shared<RandomFlipImpl>(mode, options, loc)) {}

}  // namespace tenet
