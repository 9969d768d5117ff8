#pragma once
// Numerics checking internals (numerics.nonfinite): the read-only scans and every message of
// the code. Checking is switched on per thread and per call by NumericsScope (autograd.hpp),
// which fit / evaluate open from their options. Not public API: tenet.hpp does not include it.
//
// Checking only reads values. A tensor in a kernel library's blocked layout is scanned as it
// lies (converting it to row-major, as element access does, would make the next layer pick
// other kernels and change the bits of the result).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>
#include <tenet/core/tensor/tensor.hpp>
#include "core/contracts/checkpoint_checks.hpp"
#include "core/contracts/input_checks.hpp"

namespace tenet::numerics {

// NaN/Inf counts of a floating tensor (integer tensors are always finite).
struct Scan {
  std::int64_t nan = 0, inf = 0;
  std::int64_t first = -1;  // row-major flat index of the first non-finite value
  double max_abs = 0;       // over the finite values
  bool ok() const { return nan + inf == 0; }
};

// True when every value is finite: one pass over the stored bytes, no copy, no conversion.
bool all_finite(const Tensor& t);
// Exact counts in row-major order (through a scratch copy when the tensor is blocked).
Scan scan(const Tensor& t);
// The negative values of a floating tensor in row-major order (none for integer tensors): for
// the variables a layer declares never negative (LayerImpl::variable_nonnegative).
checks::NegativeValues negatives(const Tensor& t, double tolerance = 0.0);  // below -tolerance
// "%.3g" of a magnitude, as messages print it.
std::string magnitude(double v);

// Names the running computation ("training step 3 (epoch 1, batch 2)") in numerics errors,
// on this thread, for its lifetime; the previous label comes back afterwards.
// `updates`: the optimizer updates the weights had before this step (-1: unknown); an overflow
// in the first training step cannot be blamed on weights grown by training.
class StepLabel {
 public:
  explicit StepLabel(std::string where = "", std::int64_t updates = -1);
  ~StepLabel();
  StepLabel(const StepLabel&) = delete;
  StepLabel& operator=(const StepLabel&) = delete;
  void set(std::string where, std::int64_t updates = -1);

 private:
  std::string previous_;
  std::int64_t previous_updates_;
};

// Raises numerics.nonfinite: "<subject> holds non-finite values[ at <step>]", with the counts
// of `t` as the actual value.
[[noreturn]] void raise(const Site& site, const std::string& subject, const Tensor& t,
                        const std::string& cause, const std::string& fix);

// An op's output or gradient (`what`), checked by the autograd engine. `inputs` (the op's
// inputs, for outputs) let the cause say where the values came from; `layer` ran the op.
void check_op(const Tensor& t, const std::string& op, const std::string& what,
              const std::vector<Tensor>& inputs, const std::shared_ptr<const Site>& layer);
// A layer's inputs before its forward pass: a ReLU, fused or not, maps NaN to 0 unseen.
void check_layer_inputs(const std::vector<Tensor>& inputs, const Site& layer);
// A normalisation layer's batch statistics before they reach its moving statistics.
void check_batch_statistics(const Tensor& mean, const Tensor& variance, const Tensor& input,
                            const Site& layer);

// The smallest and largest value of integer data, for causes that look at the data's range
// (uint8 holding only 0 and 1 is not 0..255 pixels); unknown for floating or empty tensors.
checks::ValueRange integer_range(const Tensor& t);

}  // namespace tenet::numerics
