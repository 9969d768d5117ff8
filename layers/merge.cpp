#include <tenet/layers/merge.hpp>

#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"
#include <tenet/core/ops/ops.hpp>
#include <tenet/layers/concatenate.hpp>

namespace tenet {

namespace {

enum class MergeOp { add, multiply };

class MergeImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  MergeImpl(MergeOp op, MergeOptions o, std::source_location loc)
      : LayerImpl(op == MergeOp::add ? "Add" : "Multiply", op == MergeOp::add ? "add" : "multiply",
                  o.name, loc),
        op_(op) {}

  bool multi_input() const override { return true; }
  checks::LayerFacts facts() const override { return checks::facts_of(checks::SizeRule::joins); }

  // All inputs share one shape; an unknown axis takes the size known from another input.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_merge_count(in.size(), site(), phase);
    Shape out = in[0];
    for (std::size_t i = 1; i < in.size(); ++i) {
      checks::check_merge_pair(in[0], in[i], i, site(), phase);
      for (int d = 0; d < out.rank(); ++d)
        if (out[d] < 0) out[d] = in[i][d];
    }
    return out;
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    Tensor y = in[0];
    for (std::size_t i = 1; i < in.size(); ++i)
      y = op_ == MergeOp::add ? y + in[i] : y * in[i];  // the ops record each input's gradient
    return y;
  }

 private:
  MergeOp op_;
};

}  // namespace

Add::Add(MergeOptions options, std::source_location loc)
    : Layer(std::make_shared<MergeImpl>(MergeOp::add, options, loc)) {}

Multiply::Multiply(MergeOptions options, std::source_location loc)
    : Layer(std::make_shared<MergeImpl>(MergeOp::multiply, options, loc)) {}

}  // namespace tenet
