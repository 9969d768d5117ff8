#include <tenet/core/training/optimizer.hpp>

#include <cmath>
#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/kernels/context.hpp"  // FloatModeScope
#include "core/tensor/tensor_impl.hpp"  // written_data

namespace tenet {

bool OptimizerImpl::slots_fit(const std::vector<Tensor>& variables) const {
  if (slots_.size() != variables.size()) return false;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (slots_[i].size() != static_cast<std::size_t>(slot_count())) return false;
    for (const Tensor& slot : slots_[i])
      if (!(slot.shape() == variables[i].shape()) || slot.dtype() != DType::f32)
        return false;  // the update would overrun it, or read other bytes as floats
  }
  return true;
}

void OptimizerImpl::step(const std::vector<Tensor>& variables) {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    const Site site(name(), "Optimizer");
    checks::defined(variables[i], [&] {
      return "the " + checks::ordinal(i) + " variable given to " + name();
    }, site);
    const Tensor g = variables[i].grad();
    for (const Tensor& t : {variables[i], g})
      if (t.defined() && t.dtype() != DType::f32)
        checks::check_dtype(t.dtype(), DType::f32, "input.dtype", site, Phase::run,
                            "the " + checks::ordinal(i) + " variable given to " + name() +
                                " (or its gradient) is " + dtype_name(t.dtype()) +
                                "; optimizers update float32 variables",
                            "give the optimizer float32 variables: x.astype(DType::f32)");
  }
  if (!slots_fit(variables)) {  // first step, other variables (trainable changed, or a
    slots_.clear();               // second model sharing this optimizer): fresh slots
    for (const auto& v : variables) {
      std::vector<Tensor> s;
      for (int i = 0; i < slot_count(); ++i) s.push_back(Tensor::zeros(v.shape()));
      slots_.push_back(std::move(s));
    }
  }
  const double lr = learning_rate();  // Keras: the schedule at the count before this step
  // A decay may end at 0; above float32's largest value the update would use inf.
  if (schedule_.defined() && !(lr >= 0 && lr <= std::numeric_limits<float>::max()))
    checks::invalid_option(schedule_.name() + " (the learning rate schedule)",
                           checks::option_value(lr),
                           "a rate >= 0 that float32 holds (at most 3.4e+38) at every step",
                           where_, Phase::run,
                           "at step " + std::to_string(iterations_) + " the schedule gave " +
                               checks::option_value(lr) + "; updating with it would " +
                               (lr < 0 ? "reverse training"
                                       : "turn every weight into inf or NaN (the update "
                                         "computes in float32)"),
                           "choose the schedule's options so that its rate stays finite and "
                           "not negative for the whole run (a decay_rate above 1 grows without bound)");
  ++iterations_;
  // Denormals flushed, as in the kernels (set_flush_denormals): an update computes g * g, which
  // underflows to denormals as gradients shrink, and a denormal operand costs an Intel core a
  // microcode assist; the pool's threads flush already, the calling thread did not. (Inside a
  // Model's step, GovernedStep has set the mode already: this scope then writes nothing.)
  kernels::FloatModeScope float_mode;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    Tensor w = variables[i];
    Tensor g = w.grad();
    if (!g.defined()) continue;
    update(written_data<float>(w), g.data<float>(), w.numel(), slots_[i], lr);
  }
}

namespace {
void check_learning_rate(const std::string& option, double lr, const Site& where, Phase phase) {
  checks::check_option_above(
      option, lr, 0.0, where, phase,
      std::isinf(lr) ? "an infinite rate turns every weight into inf or NaN at the first step"
      : lr == 0      ? "a learning rate of 0 never moves the weights: training would run and "
                       "change nothing"
                     : "a negative learning rate moves the weights up the gradient, increasing "
                       "the loss");
  checks::check_option_float32(option, lr, "the learning rate scales every update", where, phase);
}
}  // namespace

OptimizerImpl::OptimizerImpl(const LearningRate& lr, Site where)
    : learning_rate_(lr.initial()), schedule_(lr.schedule()), where_(std::move(where)) {
  if (!schedule_.defined())
    check_learning_rate(where_.type + "Options::learning_rate", learning_rate_, where_,
                        Phase::build);
}

double OptimizerImpl::learning_rate() const {
  return schedule_.defined() ? schedule_(iterations_) : learning_rate_;
}

void OptimizerImpl::require_settable_rate(const std::string& who, double lr) const {
  if (schedule_.defined())
    checks::invalid_option(who, std::to_string(lr),
                           "no call: this optimizer's rate comes from its schedule", where_,
                           Phase::run,
                           "the " + where_.type + " was given a " + schedule_.name() +
                               " as learning_rate, which decides the rate of every step; "
                               "setting a rate too (ReduceLROnPlateau, LearningRateScheduler "
                               "or a direct call) would fight it",
                           "use either the schedule or the callback that sets the rate: give "
                           "the optimizer a fixed learning_rate to let callbacks change it");
}

void OptimizerImpl::set_learning_rate(double lr) {
  require_settable_rate(where_.type + "::set_learning_rate", lr);
  check_learning_rate(where_.type + "::set_learning_rate", lr, where_, Phase::run);
  learning_rate_ = lr;
}

void OptimizerImpl::set_state(std::int64_t iterations, std::vector<std::vector<Tensor>> slots) {
  // As load_weights refuses it: -1 or 2^63-1 made Adam's next update NaN (or overflowed).
  checks::check_option_range(where_.type + "::set_state iterations", iterations, 0,
                             kMaxIterations, where_, Phase::run);
  for (const auto& per_variable : slots)  // the update reads them as float32
    for (const Tensor& slot : per_variable)
      if (slot.defined() && slot.dtype() != DType::f32)
        checks::invalid_option(where_.type + "::set_state slots", dtype_name(slot.dtype()),
                               "float32 slots", where_, Phase::run,
                               "the optimizer's update reads and writes its slots as float32",
                               "convert them with astype(DType::f32) first");
  iterations_ = iterations;
  slots_ = std::move(slots);
}

}  // namespace tenet
