#include <tenet/core/training/schedule.hpp>

#include <cmath>
#include <limits>
#include <numbers>

#include <tenet/core/contracts/checks.hpp>

namespace tenet {

LearningRateSchedule::LearningRateSchedule(std::string name,
                                           std::function<double(std::int64_t)> rate)
    : name_(std::move(name)), rate_(std::move(rate)) {}

double LearningRateSchedule::operator()(std::int64_t step) const {
  if (!rate_) checks::empty_handle("the learning-rate schedule", "LearningRateSchedule",
                                   Site("LearningRateSchedule", "schedule"), Phase::run);
  // Steps count from 0; a negative one has no rate (a warmup would extrapolate below its start).
  checks::check_option_range(name_ + "'s step", step, 0, std::numeric_limits<std::int64_t>::max(),
                             Site(name_, "schedule"), Phase::run);
  return rate_(step);
}

LearningRate::LearningRate(LearningRateSchedule schedule) : schedule_(std::move(schedule)) {
  if (!schedule_.defined())
    checks::empty_handle("the learning_rate option", "LearningRateSchedule",
                         Site("learning_rate", "optimizer options"), Phase::build);
}

double LearningRate::initial() const { return schedule_.defined() ? schedule_(0) : value_; }

namespace {

constexpr std::int64_t kMaxSteps = std::numeric_limits<std::int64_t>::max();

void check_rate(const std::string& option, double value, const Site& where) {
  checks::check_option_above(option, value, 0.0, where, Phase::build,
                             "a learning rate must be finite and > 0; 0 never moves the "
                             "weights and a negative rate climbs the loss");
  checks::check_option_float32(option, value, "the optimizer scales every update by it", where,
                               Phase::build);
}

void check_steps(const std::string& option, std::int64_t steps, std::int64_t lo,
                 const Site& where) {
  checks::check_option_range(option, steps, lo, kMaxSteps, where, Phase::build);
}

}  // namespace

ExponentialDecay::ExponentialDecay(ExponentialDecayOptions o, std::source_location loc)
    : LearningRateSchedule("ExponentialDecay", [o](std::int64_t step) {
        double p = static_cast<double>(step) / static_cast<double>(o.decay_steps);
        if (o.staircase) p = std::floor(p);
        return o.initial_learning_rate * std::pow(o.decay_rate, p);
      }) {
  config_ = o;
  const Site where("ExponentialDecay", "ExponentialDecay", loc);
  check_rate("ExponentialDecayOptions::initial_learning_rate", o.initial_learning_rate, where);
  check_steps("ExponentialDecayOptions::decay_steps", o.decay_steps, 1, where);
  checks::check_option_above("ExponentialDecayOptions::decay_rate", o.decay_rate, 0.0, where,
                             Phase::build,
                             "the rate is multiplied by decay_rate every decay_steps steps; "
                             "0 or less would make it 0 or negative");
}

PiecewiseConstantDecay::PiecewiseConstantDecay(PiecewiseConstantDecayOptions o,
                                               std::source_location loc)
    : LearningRateSchedule("PiecewiseConstantDecay", [o](std::int64_t step) {
        std::size_t i = 0;
        while (i < o.boundaries.size() && step > o.boundaries[i]) ++i;
        return o.values[i];
      }) {
  config_ = o;
  const Site where("PiecewiseConstantDecay", "PiecewiseConstantDecay", loc);
  if (o.boundaries.empty())
    checks::invalid_option(
        "PiecewiseConstantDecayOptions::boundaries", "{} (none)", "at least one boundary", where,
        Phase::build, "a schedule without a boundary would keep one rate for the whole run",
        "give boundaries {b1, ..., bn} and values {v0, ..., vn}, or a fixed rate: "
        ".learning_rate = 0.01");
  if (o.values.size() != o.boundaries.size() + 1)
    checks::invalid_option(
        "PiecewiseConstantDecayOptions::values",
        std::to_string(o.values.size()) + " values for " + std::to_string(o.boundaries.size()) +
            " boundaries",
        "one more value than boundaries", where, Phase::build,
        "value i is the rate up to boundary i, and the last value the rate after the last "
        "boundary, so " + std::to_string(o.boundaries.size()) + " boundaries need " +
            std::to_string(o.boundaries.size() + 1) + " values",
        "give boundaries {b1, ..., bn} and values {v0, ..., vn}");
  for (std::size_t i = 1; i < o.boundaries.size(); ++i)
    if (o.boundaries[i] <= o.boundaries[i - 1])
      checks::invalid_option("PiecewiseConstantDecayOptions::boundaries[" + std::to_string(i) + "]",
                             std::to_string(o.boundaries[i]),
                             "above the boundary before it (" +
                                 std::to_string(o.boundaries[i - 1]) + ")",
                             where, Phase::build);
  for (std::size_t i = 0; i < o.values.size(); ++i)
    check_rate("PiecewiseConstantDecayOptions::values[" + std::to_string(i) + "]", o.values[i],
               where);
}

namespace {

double cosine_rate(const CosineDecayOptions& o, std::int64_t step) {
  const double decay_steps = static_cast<double>(o.decay_steps);
  const auto cosine = [&](double s, double peak) {
    const double decayed = 0.5 * (1.0 + std::cos(std::numbers::pi * s / decay_steps));
    return peak * ((1 - o.alpha) * decayed + o.alpha);
  };
  const double s = static_cast<double>(step);
  if (!o.warmup_target) return cosine(std::min(s, decay_steps), o.initial_learning_rate);
  const double warmup = static_cast<double>(o.warmup_steps);
  const double clamped = std::min(s, decay_steps + warmup);
  if (clamped < warmup)
    return (*o.warmup_target - o.initial_learning_rate) * (clamped / warmup) +
           o.initial_learning_rate;
  return cosine(clamped - warmup, *o.warmup_target);
}

}  // namespace

CosineDecay::CosineDecay(CosineDecayOptions o, std::source_location loc)
    : LearningRateSchedule("CosineDecay", [o](std::int64_t step) { return cosine_rate(o, step); }) {
  config_ = o;
  const Site where("CosineDecay", "CosineDecay", loc);
  checks::check_option_real("CosineDecayOptions::initial_learning_rate", o.initial_learning_rate,
                            0.0, std::numeric_limits<double>::max(), true, where, Phase::build);
  checks::check_option_float32("CosineDecayOptions::initial_learning_rate",
                               o.initial_learning_rate, "the optimizer scales every update by it",
                               where, Phase::build);
  check_steps("CosineDecayOptions::decay_steps", o.decay_steps, 1, where);
  checks::check_option_real("CosineDecayOptions::alpha", o.alpha, 0.0, 1.0, true, where,
                            Phase::build,
                            "alpha is the floor of the decay as a share of the peak rate");
  if (o.warmup_target) {
    check_rate("CosineDecayOptions::warmup_target", *o.warmup_target, where);
    check_steps("CosineDecayOptions::warmup_steps", o.warmup_steps, 1, where);
  } else {
    checks::check_option_range("CosineDecayOptions::warmup_steps", o.warmup_steps, 0, 0, where,
                               Phase::build);  // a warmup needs its target
  }
  if (!o.warmup_target && o.initial_learning_rate == 0)
    checks::invalid_option("CosineDecayOptions::initial_learning_rate", "0",
                           "> 0 (0 is only a warmup start, with warmup_target set)", where,
                           Phase::build,
                           "without warmup the schedule decays from initial_learning_rate, so "
                           "every step would have rate 0 and the weights would never move",
                           "give initial_learning_rate > 0, or warmup_target and warmup_steps");
}

}  // namespace tenet
