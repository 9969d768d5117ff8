#include <tenet/layers/global_pooling.hpp>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

void check_image_input(const Shape& s, const std::string& type, const Site& where, Phase phase) {
  if (s.rank() == 4) return;
  std::string cause, fix;
  if (s.rank() == 3) {
    cause = checks::input_desc(0) + " has 3 axes: (batch, height, width) without the channel "
            "axis, as grayscale images loaded as (N, 28, 28) are";
    fix = "add the channel axis: expand_dims(x, -1) on the data, or Reshape({" +
          dim_str(s[1]) + ", " + dim_str(s[2]) + ", 1}) in the model";
  } else if (s.rank() == 2) {
    cause = checks::input_desc(0) + " is already flat (batch, features): " + type +
            " works on feature maps";
    fix = "apply " + type + " before Flatten/Dense, or Reshape the features to (height, width, "
          "channels)";
  } else if (s.rank() == 5) {
    cause = checks::input_desc(0) + " has 5 axes: the data was probably batched twice";
    fix = "remove the second batching so samples are (height, width, channels)";
  } else {
    cause = checks::input_desc(0) + " has " + std::to_string(s.rank()) + " axes";
    fix = "Reshape the input to (height, width, channels) per sample";
  }
  checks::check_rank(s, 4, "conv.rank", where, phase, "(None, height, width, channels)", cause,
                     fix);
}

namespace {

enum class PoolKind { average, max };

class GlobalPoolingImpl : public LayerImpl {
 public:
  GlobalPoolingImpl(PoolKind kind, GlobalPoolingOptions o, std::source_location loc)
      : LayerImpl(kind == PoolKind::average ? "GlobalAveragePooling2D" : "GlobalMaxPooling2D",
                  kind == PoolKind::average ? "global_average_pooling2d" : "global_max_pooling2d",
                  o.name, loc),
        kind_(kind) {}

  // (batch, H, W, C) -> (batch, C); H and W may be unknown.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    check_image_input(in[0], type(), site(), phase);
    return Shape{in[0][0], in[0][3]};
  }

  // (N, H, W, C) -> (N, W, C) -> (N, C); the reduce ops record the gradient (the mean spreads
  // dout / (H * W); the max routes dout to the one maximum per channel).
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
