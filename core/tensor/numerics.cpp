#include "core/tensor/numerics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <tenet/core/tensor/autograd.hpp>
#include "core/tensor/storage.hpp"
#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/op_checks.hpp"
#include "core/tensor/tensor_impl.hpp"

namespace tenet::numerics {

namespace {

thread_local std::string g_step;
thread_local std::int64_t g_updates = -1;  // optimizer updates before this step; -1: unknown

// Non-finite when every exponent bit is set (Inf, NaN): a bit test, so it holds under any
// floating-point flags, and an or-reduction, which vectorises. The storage holds floats;
// may_alias lets it be read as integers.
template <class Bits>
bool all_finite_bits(const void* data, std::size_t n, Bits exponent) {
  using Word [[gnu::may_alias]] = Bits;
  const Word* p = static_cast<const Word*>(data);
  Bits bad = 0;
#pragma omp simd reduction(| : bad)
  for (std::size_t i = 0; i < n; ++i) bad |= static_cast<Bits>((p[i] & exponent) == exponent);
  return bad == 0;
}

bool all_finite_bytes(const void* data, std::size_t n, DType dtype) {
  if (dtype == DType::f32) return all_finite_bits<std::uint32_t>(data, n, 0x7f800000u);
  if (dtype == DType::f64) return all_finite_bits<std::uint64_t>(data, n, 0x7ff0000000000000ull);
  return true;
}

template <class T>
Scan scan_values(const T* p, std::int64_t n) {
  Scan s;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isnan(p[i])) ++s.nan;
    else if (std::isinf(p[i])) ++s.inf;
    else {
      s.max_abs = std::max(s.max_abs, static_cast<double>(std::abs(p[i])));
      continue;
    }
    if (s.first < 0) s.first = i;
  }
  return s;
}

// The tensor's blocked layout, or null when its bytes are row-major.
std::shared_ptr<const StorageLayout> blocked_layout(const Tensor& t) {
  const auto& shared = impl_of(t)->layout;
  return shared ? shared->get() : nullptr;
}

std::int64_t count_if_value(const Tensor& t, bool (*pred)(double)) {
  if (!t.defined() || !is_floating(t.dtype())) return 0;
  std::int64_t n = 0;
  for (double v : t.to_vector<double>()) n += pred(v);  // error path only
  return n;
}

// A trainable leaf: a layer's weight rather than data or an op's result.
bool is_variable(const Tensor& t) { return t.requires_grad() && !t.grad_fn(); }

std::string counts(const Scan& s) {
  return std::to_string(s.nan) + " NaN and " + std::to_string(s.inf) + " Inf";
}

// True inside a training step (fit's steps, train_on_batch), where weights change.
bool in_training() {
  return g_step.rfind("training step", 0) == 0 || g_step == "train_on_batch";
}

// A training step before any optimizer update (the weights are their initial values).
bool first_update() { return in_training() && g_updates == 0; }

// Why an op produced NaN/Inf, from its inputs.
std::string output_cause(const std::string& op, const std::vector<Tensor>& inputs) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (all_finite(inputs[i])) continue;
    const std::string held =
        "its input " + std::to_string(i) + " already holds " + counts(scan(inputs[i]));
    if (is_variable(inputs[i]))
      return held + ": that input is a variable (a layer weight), made non-finite before this "
             "op ran: by set_weights or load_weights, or by an update made while checking was off";
    return held + ": the values came in from outside the checked ops: from the data given to "
           "the op, or from a computation run while checking was off";
  }
  if (inputs.empty()) return "the op produced NaN/Inf";
  const Tensor& x = inputs[0];
  if (op == "log") {
    std::int64_t bad = count_if_value(x, [](double v) { return v <= 0; });
    return "log received " + std::to_string(bad) + " values <= 0 (log(0) = -inf, log(<0) = NaN)";
  }
  if (op == "sqrt")
    return "sqrt received " + std::to_string(count_if_value(x, [](double v) { return v < 0; })) +
           " negative values";
  if (op == "divide" && inputs.size() > 1)
    return "the divisor holds " +
           std::to_string(count_if_value(inputs[1], [](double v) { return v == 0; })) + " zeros";
  double largest = 0;
  for (const auto& in : inputs) largest = std::max(largest, scan(in).max_abs);
  return "the inputs are finite but large (largest magnitude " + magnitude(largest) +
         "): the result overflowed float range (3.4e+38)" +
         (first_update() ? "; no optimizer update has run in this model yet (its first "
                           "training step): the weights are as initialised, loaded or set, so "
                           "the overflow comes from the data, those weights and the layers' "
                           "options, not from training"
          : in_training() ? "; weights or activations are growing during training, usually "
                            "because the learning rate is too high"
                          : "");
}

// The fix that goes with output_cause, case by case.
std::string output_fix(const std::string& op, const std::vector<Tensor>& inputs) {
  for (const auto& in : inputs) {
    if (all_finite(in)) continue;
    if (is_variable(in))
      return "give the layer finite weights again (load_weights from a good checkpoint, or "
             "set_weights), and keep checking on while it trains";
    return "clean the data given to " + op + " (look for NaN/Inf where it was made), or run "
           "the computation that made it under a NumericsScope too";
  }
  if (op == "log")
    return "keep the input of log above 0 (clip(x, 1e-7, 1.0)), or give the loss logits and "
           "from_logits = true instead of taking the log of probabilities";
  if (op == "sqrt") return "keep the input of sqrt >= 0 (relu(x), or add a small epsilon)";
  if (op == "divide" && inputs.size() > 1)
    return "keep the divisor away from 0 (add a small epsilon, or mask the zeros)";
  if (first_update())
    return "scale the inputs down, or check the options and initial weights of this layer "
           "and of the layers before it (a Rescaling scale, a kernel initializer) that make "
           "values this large";
  return in_training() ? "lower the learning rate (e.g. by 10x), and scale the inputs to [0, 1]"
                       : "scale the inputs down so that the result fits float range";
}

}  // namespace

checks::NegativeValues negatives(const Tensor& t, double tolerance) {
  checks::NegativeValues f;
  f.total = t.numel();
  f.tolerance = tolerance;
  if (!is_floating(t.dtype()) || f.total == 0) return f;
  const std::vector<double> v = t.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(v[i] < -tolerance)) continue;
    if (f.first < 0) f.first = static_cast<std::int64_t>(i), f.value = v[i];
    ++f.count;
  }
  return f;
}

bool all_finite(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) return true;
  if (auto layout = blocked_layout(t)) {
    // The stored bytes include the layout's padding, which oneDNN keeps at zero; should it
    // hold anything else, the exact row-major scan decides.
    if (all_finite_bytes(stored_bytes(t), layout->bytes() / dtype_size(t.dtype()), t.dtype()))
      return true;
    return scan(t).ok();
  }
  return all_finite_bytes(stored_bytes(t), static_cast<std::size_t>(t.numel()), t.dtype());
}

Scan scan(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) return {};
  Tensor plain = t;
  if (auto layout = blocked_layout(t)) {  // a row-major copy; `t` keeps its layout
    plain = Tensor::empty(t.shape(), t.dtype());
    layout->to_row_major(stored_bytes(t), stored_bytes(plain));
  }
  if (t.dtype() == DType::f64) return scan_values(static_cast<const double*>(stored_bytes(plain)), t.numel());
  return scan_values(static_cast<const float*>(stored_bytes(plain)), t.numel());
}

std::string magnitude(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

StepLabel::StepLabel(std::string where, std::int64_t updates)
    : previous_(std::move(g_step)), previous_updates_(g_updates) {
  g_step = std::move(where);
  g_updates = updates;
}
StepLabel::~StepLabel() {
  g_step = std::move(previous_);
  g_updates = previous_updates_;
}
void StepLabel::set(std::string where, std::int64_t updates) {
  g_step = std::move(where);
  g_updates = updates;
}

void raise(const Site& site, const std::string& subject, const Tensor& t, const std::string& cause,
           const std::string& fix) {
  const Scan s = scan(t);
  checks::non_finite({subject, g_step, s.nan, s.inf, t.numel(), s.first, t.shape()}, cause, fix,
                     site);
}

void check_op(const Tensor& t, const std::string& op, const std::string& what,
              const std::vector<Tensor>& inputs, const std::shared_ptr<const Site>& layer) {
  if (all_finite(t)) return;
  const std::string in_layer = layer && layer->name != op ? " in " + layer->name : "";
  const Site site = layer ? *layer : Site(op, "op");
  if (what == "gradient" && first_update())
    raise(site, "the gradient of " + op + in_layer, t,
          "the gradient reaching " + op + " overflowed (largest finite magnitude " +
              magnitude(scan(t).max_abs) + ") in the first training step, before any optimizer "
              "update: the values are this large with the data and the weights as initialised, "
              "loaded or set",
          "scale the inputs down, check the options and initial weights of the layers (a "
          "Rescaling scale, a kernel initializer), or use a from_logits loss");
  if (what == "gradient")
    raise(site, "the gradient of " + op + in_layer, t,
          "the gradient reaching " + op + " overflowed (largest finite magnitude " +
              magnitude(scan(t).max_abs) + "): the loss or the weights are growing without "
              "bound, usually because the learning rate is too high",
          "lower the learning rate (e.g. by 10x), or use a from_logits loss");
  raise(site, "the " + what + " of " + op + in_layer, t, output_cause(op, inputs),
        output_fix(op, inputs));
}

void check_layer_inputs(const std::vector<Tensor>& inputs, const Site& layer) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (all_finite(inputs[i])) continue;
    raise(layer, "input " + std::to_string(i) + " of '" + layer.name + "' (" + layer.type + ")",
          inputs[i],
          checks::input_desc(i) + " reaches '" + layer.name + "' already holding NaN/Inf, made "
          "outside the checked computation: given to the layer as data, or computed while "
          "checking was off. Unchecked, " +
              (layer.type == "ReLU" ? std::string("this ReLU would turn NaN into 0 and hide it")
                                    : "the NaN would spread, or vanish in a fused ReLU"),
          "clean the tensor given to the layer (look for NaN/Inf where it was made), or run the "
          "computation that made it under a NumericsScope too");
  }
}

void check_batch_statistics(const Tensor& mean, const Tensor& variance, const Tensor& input,
                            const Site& layer) {
  for (const auto& [stat, t] : {std::pair<const char*, Tensor>{"mean", mean}, {"variance", variance}}) {
    if (all_finite(t)) continue;
    raise(layer, std::string("the batch ") + stat + " of '" + layer.name + "' (" + layer.type + ")",
          t,
          "its inputs are finite but reach magnitude " + magnitude(scan(input).max_abs) +
              ": their squares (or sums) overflow float range (3.4e+38), and the batch " + stat +
              " would enter moving_" + stat + " and spoil every later prediction",
          "scale the inputs (to [0, 1], or standardise them); if the activations grow during "
          "training, lower the learning rate");
  }
}

checks::ValueRange integer_range(const Tensor& t) {
  checks::ValueRange r;
  if (is_floating(t.dtype()) || t.numel() == 0) return r;
  const auto v = t.to_vector<double>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {true, *lo, *hi};
}

}  // namespace tenet::numerics
