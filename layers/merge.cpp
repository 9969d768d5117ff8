#include <tenet/layers/merge.hpp>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/layers/concatenate.hpp>

namespace tenet {

namespace {

enum class MergeOp { add, multiply };

std::string axes_text(const std::vector<int>& axes, const Shape& a, const Shape& b) {
  std::string s;
  for (int ax : axes)
    s += (s.empty() ? "" : ", ") + checks::axis_name(ax, a.rank()) + " (axis " +
         std::to_string(ax) + ") " + dim_str(a[ax]) + " vs " + dim_str(b[ax]);
  return s;
}

class MergeImpl : public LayerImpl {
 public:
  MergeImpl(MergeOp op, MergeOptions o, std::source_location loc)
      : LayerImpl(op == MergeOp::add ? "Add" : "Multiply", op == MergeOp::add ? "add" : "multiply",
                  o.name, loc),
        op_(op) {}

  bool multi_input() const override { return true; }

  // All inputs share one shape; an unknown axis takes the size known from another input.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    check_merge_inputs(in.size(), type(), site(), phase);
    Shape out = in[0];
    for (std::size_t i = 1; i < in.size(); ++i) {
      check_pair(in[0], in[i], i, phase);
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
  void check_pair(const Shape& a, const Shape& b, std::size_t i, Phase phase) const {
    const std::string verb = op_ == MergeOp::add ? "added" : "multiplied";
    if (a.rank() != b.rank())
      checks::Violation("elementwise.shape", phase, site())
          .summary(type() + " inputs have different ranks (" + std::to_string(a.rank()) +
                   " vs " + std::to_string(b.rank()) + ")")
          .expected(a)
          .actual(b)
          .cause(checks::input_desc(0) + " and " + checks::input_desc(i) +
                 " cannot be " + verb + " element by element")
          .fix("Flatten or Reshape one branch so both have the same axes, or join them with "
               "Concatenate")
          .raise();
    std::vector<int> bad = checks::differing_axes(a, b);
    if (bad.empty()) return;
    checks::Violation("elementwise.shape", phase, site())
        .summary(type() + " needs inputs of equal shape; they differ on " +
                 axes_text(bad, a, b))
        .expected(a)
        .actual(b)
        .mark(bad)
        .cause(checks::input_desc(0) + " and " + checks::input_desc(i) + " differ on " +
               axes_text(bad, a, b) + "; " + type() + " does not broadcast")
        .fix("make both branches produce " + a.str() + ": match the filters/units of the "
             "last layer in each branch, use padding \"same\" or Resizing for height and "
             "width, or join them with Concatenate instead")
        .raise();
  }

  MergeOp op_;
};

}  // namespace

Add::Add(MergeOptions options, std::source_location loc)
    : Layer(std::make_shared<MergeImpl>(MergeOp::add, options, loc)) {}

Multiply::Multiply(MergeOptions options, std::source_location loc)
    : Layer(std::make_shared<MergeImpl>(MergeOp::multiply, options, loc)) {}

}  // namespace tenet
