#include <tenet/layers/concatenate.hpp>

#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

void check_merge_inputs(std::size_t n, const std::string& type, const Site& where, Phase phase) {
  (void)type;
  checks::check_merge_count(n, where, phase);
}

namespace {

class ConcatenateImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  ConcatenateImpl(int axis, ConcatenateOptions o, std::source_location loc)
      : LayerImpl("Concatenate", "concatenate", o.name, loc), axis_(axis) {}

  bool multi_input() const override { return true; }
  checks::LayerFacts facts() const override { return checks::facts_of(checks::SizeRule::joins); }

  // Equal ranks, a valid axis, equal sizes off the join axis; the join axis sums.
  // concat_shape takes input descriptions and provenance from the call context.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    check_merge_inputs(in.size(), type(), site(), phase);
    return checks::concat_shape(in, axis_, site(), phase);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return concat(in, axis_);  // records the gradient: one slice of dout per input
  }

  std::string describe() const override { return "axis " + std::to_string(axis_); }

  std::vector<LayerOption> options() const override { return {{"axis", std::int64_t{axis_}}}; }

 private:
  int axis_;
};

}  // namespace

Concatenate::Concatenate(int axis, ConcatenateOptions options, std::source_location loc)
    : Layer(std::make_shared<ConcatenateImpl>(axis, options, loc)) {}

}  // namespace tenet
