#include <tenet/layers/rescaling.hpp>

#include <cstdio>

#include "core/graph/builtin.hpp"
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

class RescalingImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  RescalingImpl(double scale, double offset, RescalingOptions o, std::source_location loc)
      : LayerImpl("Rescaling", "rescaling", o.name, loc), scale_(scale), offset_(offset) {
    checks::check_option_finite("Rescaling scale", scale, site(), Phase::build);
    checks::check_option_finite("Rescaling offset", offset, site(), Phase::build);
    // Both become float32 operands of the computation (1e300 is no float32 value).
    checks::check_option_float32("Rescaling scale", scale,
                                 "the scale multiplies every input value", site(), Phase::build,
                                 {.computes = "Rescaling",
                                  .if_inf = "it becomes inf and every output inf or NaN",
                                  .if_zero = "it becomes 0 and every output the offset",
                                  .usual = "1/255 = 0.0039 or 1/127.5 = 0.0078"});
    checks::check_option_float32("Rescaling offset", offset,
                                 "the offset is added to every scaled value", site(),
                                 Phase::build,
                                 {.computes = "Rescaling",
                                  .if_inf = "it becomes inf and every output inf or NaN",
                                  .if_zero = "it becomes 0 and adds nothing",
                                  .usual = "0 or -1"});
  }

  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }

  // Any shape; the gradient is dout * scale (through the scalar ops).
  // Rescaling is where integer pixels become floats: uint8/int input is cast to float32 first.
  bool accepts_integer_input() const override { return true; }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    Tensor x = in[0].dtype() == DType::f32 ? in[0] : in[0].astype(DType::f32);
    Tensor y = x * scale_;
    return offset_ == 0.0 ? y : y + offset_;
  }

  std::string describe() const override {
    char buf[64];
    std::snprintf(buf, sizeof buf, "scale %g, offset %g", scale_, offset_);
    return buf;
  }

  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.value_rule = checks::ValueRule::rescales;
    f.scale = scale_;
    f.offset = offset_;
    return f;
  }

  std::vector<LayerOption> options() const override {
    return {{"scale", scale_}, {"offset", offset_}};
  }

 private:
  double scale_, offset_;
};

}  // namespace

Rescaling::Rescaling(double scale, double offset, RescalingOptions options,
                     std::source_location loc)
    : Layer(std::make_shared<RescalingImpl>(scale, offset, options, loc)) {}

}  // namespace tenet
