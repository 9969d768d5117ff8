#pragma once
// Learning-rate schedules, as in Keras (keras.optimizers.schedules). A schedule maps the
// optimizer's step count (its `iterations` before the update: 0 for the first batch) to the
// learning rate of that step. Pass one wherever a learning rate is taken:
//   Adam({.learning_rate = CosineDecay({.initial_learning_rate = 0, .decay_steps = 1000,
//                                       .warmup_target = 1e-3, .warmup_steps = 100})})
// An optimizer driven by a schedule has no settable rate (ReduceLROnPlateau and
// set_learning_rate refuse), as in Keras.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <variant>
#include <vector>

namespace tenet {

// lr(step) = initial_learning_rate * decay_rate ^ (step / decay_steps), the exponent floored
// when `staircase`.
struct ExponentialDecayOptions {
  double initial_learning_rate = 0.01;  // finite, > 0
  std::int64_t decay_steps = 1000;      // > 0
  double decay_rate = 0.96;             // finite, > 0
  bool staircase = false;
};

// The step schedule: values[0] while step <= boundaries[0], values[i] while
// boundaries[i-1] < step <= boundaries[i], values.back() after the last boundary.
struct PiecewiseConstantDecayOptions {
  std::vector<std::int64_t> boundaries;  // strictly increasing, at least one
  std::vector<double> values;            // boundaries.size() + 1 rates, each finite and > 0
};

// Cosine decay with an optional linear warmup. Without warmup_target: from
// initial_learning_rate down to alpha * initial over decay_steps. With it: a line from
// initial_learning_rate to warmup_target over warmup_steps, then the cosine from warmup_target
// down to alpha * warmup_target over decay_steps; the rate stays there afterwards.
struct CosineDecayOptions {
  double initial_learning_rate = 0.001;  // finite, >= 0 (0 is a usual warmup start)
  std::int64_t decay_steps = 1000;       // > 0
  double alpha = 0.0;                    // in [0, 1]: the floor, as a share of the peak
  std::optional<double> warmup_target;   // finite, > 0
  std::int64_t warmup_steps = 0;         // >= 0; > 0 when warmup_target is given
};

// The options of tenet's own schedules (std::monostate for a schedule made from a function):
// what a Keras file stores of a schedule (keras.optimizers.schedules' get_config).
using ScheduleConfig = std::variant<std::monostate, ExponentialDecayOptions,
                                    PiecewiseConstantDecayOptions, CosineDecayOptions>;

class LearningRateSchedule {
 public:
  LearningRateSchedule() = default;
  // `rate(step)` gives the rate of a step; `name` is Keras's class name ("ExponentialDecay").
  LearningRateSchedule(std::string name, std::function<double(std::int64_t)> rate);
  // The rate for `step` (>= 0).
  double operator()(std::int64_t step) const;
  const std::string& name() const { return name_; }
  bool defined() const { return rate_ != nullptr; }
  const ScheduleConfig& config() const { return config_; }

 protected:
  ScheduleConfig config_;

 private:
  std::string name_;
  std::function<double(std::int64_t)> rate_;
};

class ExponentialDecay : public LearningRateSchedule {
 public:
  explicit ExponentialDecay(ExponentialDecayOptions options,
                            std::source_location loc = std::source_location::current());
};

class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  explicit PiecewiseConstantDecay(PiecewiseConstantDecayOptions options,
                                  std::source_location loc = std::source_location::current());
};

class CosineDecay : public LearningRateSchedule {
 public:
  explicit CosineDecay(CosineDecayOptions options,
                       std::source_location loc = std::source_location::current());
};

// What an optimizer's options take as learning_rate: a number or a schedule.
class LearningRate {
 public:
  LearningRate(double value) : value_(value) {}  // NOLINT: implicit, as `.learning_rate = 0.01`
  LearningRate(LearningRateSchedule schedule);   // NOLINT: `.learning_rate = ExponentialDecay(...)`
  // The fixed rate, or the schedule's rate at step 0.
  double initial() const;
  const LearningRateSchedule& schedule() const { return schedule_; }

 private:
  double value_ = 0;
  LearningRateSchedule schedule_;
};

}  // namespace tenet
