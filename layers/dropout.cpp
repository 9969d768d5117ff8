#include "layers/dropout.hpp"

#include <cstdio>

#include "core/checks.hpp"
#include "core/ops.hpp"

namespace tenet {

namespace {

// splitmix64: spreads (seed, call index) into independent mask seeds.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class DropoutImpl : public LayerImpl {
 public:
  DropoutImpl(double rate, DropoutOptions o, std::source_location loc)
      : LayerImpl("Dropout", "dropout", o.name, loc), rate_(rate), seed_(layer_seed(o.seed)) {
    if (!(rate >= 0.0 && rate < 1.0))
      checks::Violation("layer.config", Phase::build, site())
          .summary("Dropout's rate is the fraction of units dropped, in [0, 1)")
          .expected("0 <= rate < 1")
          .actual(std::to_string(rate))
          .fix("pass a fraction such as Dropout(0.5); rate 1 would drop every unit")
          .raise();
  }

  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }

  // y = x * mask, mask = (u >= rate) / (1 - rate) with u ~ U[0, 1): the same rule as Keras.
  // The mask is a constant, so the gradient is dout * mask through the multiply op.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override {
    const Tensor& x = in[0];
    if (!opts.training || rate_ == 0.0) return x;
    Tensor mask = Tensor::uniform(x.shape(), mix(seed_ ^ mix(calls_++)));
    float* m = mask.data<float>();
    const float keep_scale = static_cast<float>(1.0 / (1.0 - rate_));
    const float rate = static_cast<float>(rate_);
    for (std::int64_t i = 0; i < mask.numel(); ++i) m[i] = m[i] >= rate ? keep_scale : 0.0f;
    return x * mask;
  }

  std::string describe() const override {
    char buf[32];
    std::snprintf(buf, sizeof buf, "rate %g", rate_);
    return buf;
  }

 private:
  double rate_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;  // advances once per training call: a new mask each time
};

}  // namespace

Dropout::Dropout(double rate, DropoutOptions options, std::source_location loc)
    : Layer(std::make_shared<DropoutImpl>(rate, options, loc)) {}

}  // namespace tenet
