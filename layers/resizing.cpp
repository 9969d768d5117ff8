#include <tenet/layers/resizing.hpp>

#include "core/graph/builtin.hpp"
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/image.hpp>
#include "core/contracts/layer_checks.hpp"

namespace tenet {

namespace {

class ResizingImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  ResizingImpl(std::int64_t h, std::int64_t w, ResizingOptions o, std::source_location loc)
      : LayerImpl("Resizing", "resizing", o.name, loc), height_(h), width_(w) {
    checks::check_option_positive("Resizing height", h, "the output height in pixels", site(),
                                  Phase::build);
    checks::check_option_positive("Resizing width", w, "the output width in pixels", site(),
                                  Phase::build);
  }

  // (batch, H, W, C) -> (batch, height, width, C).
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_image_rank(in[0], site(), phase);
    return Shape{in[0][0], height_, width_, in[0][3]};
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return resize(in[0], {height_, width_});  // (N, H, W, C) -> (N, height, width, C)
  }

  checks::LayerFacts facts() const override {
    checks::LayerFacts f = checks::facts_of(checks::SizeRule::resizes);
    f.value_rule = checks::ValueRule::passes;  // input.range looks past it
    return f;
  }
  std::string describe() const override {
    return std::to_string(height_) + "x" + std::to_string(width_) + ", bilinear";
  }

  std::vector<LayerOption> options() const override {
    return {{"height", height_}, {"width", width_}};
  }

 private:
  std::int64_t height_, width_;
};

}  // namespace

Resizing::Resizing(std::int64_t height, std::int64_t width, ResizingOptions options,
                   std::source_location loc)
    : Layer(std::make_shared<ResizingImpl>(height, width, options, loc)) {}

}  // namespace tenet
