#include <tenet/layers/global_pooling.hpp>

#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

enum class PoolKind { average, max };

class GlobalPoolingImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  GlobalPoolingImpl(PoolKind kind, GlobalPoolingOptions o, std::source_location loc)
      : LayerImpl(kind == PoolKind::average ? "GlobalAveragePooling2D" : "GlobalMaxPooling2D",
                  kind == PoolKind::average ? "global_average_pooling2d" : "global_max_pooling2d",
                  o.name, loc),
        kind_(kind) {}

  // (batch, H, W, C) -> (batch, C); H and W may be unknown.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_image_rank(in[0], site(), phase);
    return Shape{in[0][0], in[0][3]};
  }

  // (N, H, W, C) -> (N, W, C) -> (N, C); the reduce ops record the gradient (the mean spreads
  // dout / (H * W); the max routes dout to the one maximum per channel).
  checks::LayerFacts facts() const override { return checks::facts_of(checks::SizeRule::pools_away); }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    const Tensor& x = in[0];
    if (kind_ == PoolKind::average) return x.mean(1).mean(1);
    return x.max(1).max(1);
  }

 private:
  PoolKind kind_;
};

}  // namespace

GlobalAveragePooling2D::GlobalAveragePooling2D(GlobalPoolingOptions options,
                                               std::source_location loc)
    : Layer(std::make_shared<GlobalPoolingImpl>(PoolKind::average, options, loc)) {}

GlobalMaxPooling2D::GlobalMaxPooling2D(GlobalPoolingOptions options, std::source_location loc)
    : Layer(std::make_shared<GlobalPoolingImpl>(PoolKind::max, options, loc)) {}

}  // namespace tenet
