#pragma once
// Optimizers with Keras's update rules: SGD (with momentum), Adam, AdamW, RMSprop. An optimizer
// keeps one set of slots (momentum, moments, velocities) per variable, in the order of the
// variables it is given. Each takes a fixed learning rate or a schedule (schedule.hpp).
#include <memory>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>
#include <tenet/core/training/schedule.hpp>

namespace tenet {

class OptimizerImpl {
 public:
  virtual ~OptimizerImpl() = default;
  virtual std::string name() const = 0;
  // The hyperparameters other than the learning rate under Keras's config names (SGD: momentum,
  // nesterov as 0 or 1; Adam: beta_1, beta_2, epsilon), for model files (data/keras*.cpp).
  virtual std::vector<std::pair<std::string, double>> hyperparameters() const { return {}; }
  // Applies one update to every variable from its .grad() (variables without a gradient are
  // left alone). Runs without recording autograd history.
  void step(const std::vector<Tensor>& variables);
  // The rate the next step uses: the fixed rate, or the schedule's rate at iterations().
  double learning_rate() const;
  // A finite rate > 0, else options.invalid (as for the constructor's learning_rate); refused
  // when a schedule drives the rate.
  void set_learning_rate(double lr);
  // options.invalid naming `who` (a callback, set_learning_rate) when a schedule drives the rate.
  void require_settable_rate(const std::string& who, double lr) const;
  // The schedule given as learning_rate, or an empty one. Keras then stores no learning_rate
  // variable in weights files.
  const LearningRateSchedule& schedule() const { return schedule_; }
  std::int64_t iterations() const { return iterations_; }
  // Slots for checkpointing: per variable, in order; plus the iteration count.
  const std::vector<std::vector<Tensor>>& slots() const { return slots_; }
  void set_state(std::int64_t iterations, std::vector<std::vector<Tensor>> slots);
  void reset() { slots_.clear(); iterations_ = 0; }
  // Slots per variable: SGD with momentum 1, without 0; Adam 2 (m and v).
  virtual int slot_count() const = 0;
  // Keras's name of slot j: "momentum" (SGD, Adam's m), "velocity" (Adam's v).
  virtual std::string slot_name(int j) const = 0;
  // True when slot j can never be negative (Adam's velocity: a running mean of squared gradients).
  virtual bool slot_nonnegative(int j) const { (void)j; return false; }
  // Keras's order of the slots in a weights file: per variable in turn (SGD, Adam: false) or
  // slot by slot, all variables' slot 0 first (RMSprop: true).
  virtual bool slots_by_kind() const { return false; }
  // The largest iteration count a restored state may hold: 2^53 steps (where a double stops
  // counting exactly; centuries of training at a million steps a second). A larger count is a
  // damaged file, and INT64_MAX would overflow at the next step.
  static constexpr std::int64_t kMaxIterations = std::int64_t{1} << 53;

 protected:
  // `where` names the optimizer in errors; `lr` is checked like every hyperparameter.
  OptimizerImpl(const LearningRate& lr, Site where);
  // Updates one float32 variable `w` (n values) from gradient `g` and its slots, with the
  // step's rate `lr` (iterations() already counts this step).
  virtual void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots,
                      double lr) = 0;

  // Whether slots_ holds slot_count() slots of each variable's shape, in order.
  bool slots_fit(const std::vector<Tensor>& variables) const;

  double learning_rate_;
  LearningRateSchedule schedule_;
  Site where_;
  std::int64_t iterations_ = 0;
  std::vector<std::vector<Tensor>> slots_;
};

class Optimizer {
 public:
  Optimizer() = default;
  explicit Optimizer(std::shared_ptr<OptimizerImpl> impl) : impl_(std::move(impl)) {}
  const std::shared_ptr<OptimizerImpl>& impl() const { return impl_; }
  bool defined() const { return impl_ != nullptr; }

 protected:
  std::shared_ptr<OptimizerImpl> impl_;
};

struct SGDOptions {
  LearningRate learning_rate = 0.01;  // finite, > 0, or a schedule
  double momentum = 0.0;        // in [0, 1)
  bool nesterov = false;
};
// Keras: v = momentum * v - lr * g; w += v   (nesterov: w += momentum * v - lr * g).
class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {},
               std::source_location loc = std::source_location::current());
};

struct AdamOptions {
  LearningRate learning_rate = 0.001;  // finite, > 0, or a schedule
  double beta_1 = 0.9;           // in [0, 1)
  double beta_2 = 0.999;         // in [0, 1)
  double epsilon = 1e-7;         // finite, > 0
};
// Keras: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
//        w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {},
                std::source_location loc = std::source_location::current());
};

struct AdamWOptions {
  LearningRate learning_rate = 0.001;  // finite, > 0, or a schedule
  double weight_decay = 0.004;         // finite, >= 0
  double beta_1 = 0.9;                 // in [0, 1)
  double beta_2 = 0.999;               // in [0, 1)
  double epsilon = 1e-7;               // finite, > 0
};
// Keras's AdamW: first w -= w * weight_decay * lr (decoupled decay, on every trainable
// variable, biases included), then Adam's update.
class AdamW : public Optimizer {
 public:
  explicit AdamW(AdamWOptions options = {},
                 std::source_location loc = std::source_location::current());
};

struct RMSpropOptions {
  LearningRate learning_rate = 0.001;  // finite, > 0, or a schedule
  double rho = 0.9;                    // in [0, 1)
  double momentum = 0.0;               // in [0, 1)
  double epsilon = 1e-7;               // finite, > 0
  bool centered = false;
};
// Keras: v = rho v + (1 - rho) g^2;  centered: a = rho a + (1 - rho) g, d = v - a^2 + eps,
// else d = v + eps;  inc = lr g / sqrt(d);  momentum: m = momentum m + inc, w -= m; else w -= inc.
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {},
                   std::source_location loc = std::source_location::current());
};

}  // namespace tenet
