#include <tenet/layers/dropout.hpp>

#include <cstdio>

#include "core/graph/builtin.hpp"
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include "layers/random_draws.hpp"

namespace tenet {

namespace {

class DropoutImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  DropoutImpl(double rate, DropoutOptions o, std::source_location loc)
      : LayerImpl("Dropout", "dropout", o.name, loc), rate_(rate), seed_(layer_seed(o.seed)) {
    // rate is the fraction of units dropped; 1 would drop every unit and scale by 1 / 0.
    checks::check_option_real("Dropout rate", rate, 0.0, 1.0, false, site(), Phase::build,
                              rate >= 1.0 ? "a rate of 1 or more drops every unit, and the kept "
                                            "ones would be scaled by 1 / (1 - rate)"
                                          : "rate is the fraction of units dropped, never "
                                            "negative");
  }

  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.value_rule = checks::ValueRule::passes;  // input.range looks past it
    return f;
  }

  // y = x * mask, mask = (u >= rate) / (1 - rate) with u ~ U[0, 1): the same rule as Keras.
  // The mask is a constant, so the gradient is dout * mask through the multiply op.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions& opts) override {
    const Tensor& x = in[0];
    if (!opts.training || rate_ == 0.0) return x;
    // Counter-based mask: element i keeps its unit when draw i, uniform in [0, 1), is >= rate.
    // Independent per element, so it is computed in parallel and does not depend on the
    // thread count.
    const random_draws::Draws draws(seed_, calls_++);
    Tensor mask = Tensor::empty(x.shape());
    float* m = mask.data<float>();
    const float keep_scale = static_cast<float>(1.0 / (1.0 - rate_));
    const double rate = rate_;
    const std::int64_t n = mask.numel();
#pragma omp parallel for if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = draws.uniform(static_cast<std::uint64_t>(i)) >= rate ? keep_scale : 0.0f;
    }
    return x * mask;
  }

  std::string describe() const override {
    char buf[32];
    std::snprintf(buf, sizeof buf, "rate %g", rate_);
    return buf;
  }

  std::vector<LayerOption> options() const override {
    return {{"rate", rate_}, {"seed", static_cast<std::int64_t>(seed_)}};
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
