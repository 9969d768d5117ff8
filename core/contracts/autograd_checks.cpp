// The backward pass's contracts (autograd.backward) and the builder of numerics.nonfinite.
#include "core/contracts/op_checks.hpp"

namespace tenet::checks {

// A backward closure (possibly a user op's, through attach_grad) must return for input i a
// gradient of the input's shape or of a shape broadcasting to it.
void check_gradient_shape(const std::string& op, std::size_t i, const Shape& grad,
                          const Shape& input, const Site& where) {
  bool ok = grad.rank() >= input.rank();
  for (int a = 0; ok && a < input.rank(); ++a) {
    const std::int64_t g = grad[grad.rank() - input.rank() + a];
    ok = g == input[a] || input[a] == 1;
  }
  if (ok) return;
  Violation("autograd.backward", Phase::run, where)
      .summary("the backward of '" + op + "' returned a gradient of shape " + grad.str() +
               " for its " + ordinal(i) + " input, of shape " + input.str())
      .expected(input)
      .actual(grad)
      .cause("a backward closure must return, for each input, a gradient of that input's shape "
             "(or of the output's broadcast shape)")
      .fix("return gradients shaped like the op's inputs from the closure given to attach_grad")
      .raise();
}

void check_backward_seed(const Shape& shape, const Shape* seed) {
  const Site where("backward", "op");
  if (!seed && shape.numel() != 1)
    Violation("autograd.backward", Phase::run, where)
        .summary("backward() without a gradient needs a one-element tensor")
        .expected("1 element")
        .actual(shape)
        .fix("call backward on a scalar (e.g. loss.mean()), or pass the output gradient")
        .raise();
  if (!seed || *seed == shape) return;
  Violation("autograd.backward", Phase::run, where)
      .summary("the output gradient passed to backward() must have the tensor's shape")
      .expected(shape)
      .actual(*seed)
      .mark_differences(shape, *seed)
      .cause("backward(dout) was given a gradient of shape " + seed->str() +
             " for a tensor of shape " + shape.str())
      .fix("pass a gradient of shape " + shape.str() + ", or call backward() on a scalar")
      .raise();
}

void check_set_grad(const Shape& shape, DType dtype, const Shape& grad, DType grad_dtype) {
  if (grad == shape && grad_dtype == dtype) return;
  const bool same_shape = grad == shape;
  Violation("autograd.backward", Phase::run, Site("set_grad", "op"))
      .summary(same_shape ? "set_grad was given a " + std::string(dtype_name(grad_dtype)) +
                                " gradient for a " + dtype_name(dtype) + " tensor"
                          : "set_grad was given a gradient of shape " + grad.str() +
                                " for a tensor of shape " + shape.str())
      .expected(std::string(dtype_name(dtype)) + " " + shape.str())
      .actual(std::string(dtype_name(grad_dtype)) + " " + grad.str())
      .cause(same_shape ? std::string("a gradient holds the values of its tensor's dtype; an "
                                      "optimizer step would read them as that dtype")
                        : "a gradient holds one value per element of its tensor (" +
                              std::to_string(shape.numel()) + " here, " +
                              std::to_string(grad.numel()) + " given); an optimizer step reads "
                              "one per element, past the end of a smaller gradient")
      .fix(same_shape ? "convert it to " + std::string(dtype_name(dtype)) + " with astype first"
                      : "give each variable the gradient computed for it (w.grad() after "
                        "backward has w's shape), or reshape it to " + shape.str())
      .raise();
}

void non_finite(const NonFinite& f, const std::string& cause, const std::string& fix,
                const Site& where) {
  Violation("numerics.nonfinite", Phase::run, where)
      .summary(f.subject + " holds non-finite values" + (f.step.empty() ? "" : " at " + f.step))
      .expected("finite values")
      .actual(std::to_string(f.nan) + " NaN and " + std::to_string(f.inf) + " Inf among " +
              std::to_string(f.total) + " values of " + f.shape.str() + ", first at flat index " +
              std::to_string(f.first))
      .cause(cause)
      .fix(fix)
      .raise();
}

}  // namespace tenet::checks
