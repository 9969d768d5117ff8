#include <tenet/layers/flatten.hpp>

#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"
#include "core/kernels/layout.hpp"
#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

class FlattenImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  FlattenImpl(FlattenOptions o, std::source_location loc)
      : LayerImpl("Flatten", "flatten", o.name, loc) {}

  // (batch, d1, ..., dk) -> (batch, d1 * ... * dk); any unknown di makes the product unknown.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    const Shape& s = in[0];
    checks::check_flatten_rank(s, site(), phase);
    const Shape sample = s.drop_front();
    const std::int64_t features = sample.fully_known()
                                      ? checks::checked_numel(sample, site(), phase)
                                      : kUnknown;
    return Shape{s[0], features};
  }

  checks::LayerFacts facts() const override {
    checks::LayerFacts f = checks::facts_of(checks::SizeRule::flattens);
    f.value_rule = checks::ValueRule::passes;  // input.range looks past it
    return f;
  }

  // Row-major storage already holds each sample's (h, w, c) elements contiguously.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    const Tensor& x = in[0];
    std::int64_t features = 1;  // from the shape, not numel / n: a batch of 0 keeps its width
    for (int i = 1; i < x.rank(); ++i) features *= x.dim(i);
    const Shape to{x.dim(0), features};
    // Predict: a blocked input (a pooling's output) is converted straight into the output, one
    // reorder; training keeps the view (reshape), whose backward reshapes the gradient.
    if (!attach_grad_active() && kernels::is_blocked(x)) return kernels::row_major_copy(x, to);
    return reshape(x, to);
  }
};

}  // namespace

Flatten::Flatten(FlattenOptions options, std::source_location loc)
    : Layer(std::make_shared<FlattenImpl>(options, loc)) {}

}  // namespace tenet
