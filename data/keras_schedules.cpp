// Learning-rate schedules in Keras compile configs: ExponentialDecay, PiecewiseConstantDecay and
// CosineDecay, written and read as keras.optimizers.schedules serialises them
// ({"module", "class_name", "config", "registered_name"}, the config as get_config gives it).
#include <cmath>
#include <limits>
#include <type_traits>
#include <variant>

#include <tenet/core/contracts/checks.hpp>
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

constexpr std::int64_t kMaxSteps = std::numeric_limits<std::int64_t>::max();

Json config_of(const ExponentialDecayOptions& o) {
  return {{"initial_learning_rate", o.initial_learning_rate}, {"decay_steps", o.decay_steps},
          {"decay_rate", o.decay_rate}, {"staircase", o.staircase}, {"name", "ExponentialDecay"}};
}
Json config_of(const PiecewiseConstantDecayOptions& o) {
  return {{"boundaries", o.boundaries}, {"values", o.values}, {"name", "PiecewiseConstant"}};
}
Json config_of(const CosineDecayOptions& o) {
  return {{"initial_learning_rate", o.initial_learning_rate}, {"decay_steps", o.decay_steps},
          {"alpha", o.alpha}, {"name", "CosineDecay"},
          {"warmup_target", o.warmup_target ? Json(*o.warmup_target) : Json(nullptr)},
          {"warmup_steps", o.warmup_steps}};
}

// A JSON list of numbers (integers when `T` is), or data.format naming the key.
template <class T>
std::vector<T> numbers(ConfigReader& r, const std::string& key, const std::string& file) {
  const Json* v = r.get(key);
  if (!v || !v->is_array()) bad_json(file, "the learning-rate schedule's " + key, "a list", v);
  std::vector<T> out;
  for (const Json& x : *v) {
    if (!(std::is_integral_v<T> ? x.is_number_integer() : x.is_number()))
      bad_json(file, "the learning-rate schedule's " + key,
               std::is_integral_v<T> ? "whole numbers" : "numbers", &x);
    out.push_back(x.get<T>());
  }
  return out;
}

LearningRateSchedule schedule_of(const std::string& cls, ConfigReader& r, const std::string& file) {
  r.ignore("name");
  if (cls == "ExponentialDecay") {
    ExponentialDecayOptions o;
    o.initial_learning_rate = r.number("initial_learning_rate", o.initial_learning_rate);
    o.decay_steps = r.integer("decay_steps", o.decay_steps, 1, kMaxSteps);
    o.decay_rate = r.number("decay_rate", o.decay_rate);
    o.staircase = r.boolean("staircase", o.staircase);
    r.finish();
    return ExponentialDecay(o);
  }
  if (cls == "PiecewiseConstantDecay") {
    PiecewiseConstantDecayOptions o{numbers<std::int64_t>(r, "boundaries", file),
                                    numbers<double>(r, "values", file)};
    r.finish();
    return PiecewiseConstantDecay(o);
  }
  if (cls != "CosineDecay")
    r.unsupported("class_name", cls, "ExponentialDecay, PiecewiseConstantDecay or CosineDecay");
  CosineDecayOptions o;
  o.initial_learning_rate = r.number("initial_learning_rate", o.initial_learning_rate);
  o.decay_steps = r.integer("decay_steps", o.decay_steps, 1, kMaxSteps);
  o.alpha = r.number("alpha", o.alpha);
  const Json* target = r.get("warmup_target");
  if (target && !target->is_null()) {
    if (!target->is_number()) bad_json(file, "the learning-rate schedule's warmup_target",
                                       "a number or null", target);
    o.warmup_target = target->get<double>();
  }
  o.warmup_steps = r.integer("warmup_steps", o.warmup_steps, 0, kMaxSteps);
  r.finish();
  return CosineDecay(o);
}

}  // namespace

Json schedule_to_keras(const LearningRateSchedule& schedule, const std::string& optimizer) {
  if (std::holds_alternative<std::monostate>(schedule.config()))
    checks::model_unsupported("the model being saved", Site(optimizer, "optimizer"),
                              "the optimizer (" + optimizer + ")", "learning_rate",
                              schedule.name(),
                              "ExponentialDecay, PiecewiseConstantDecay, CosineDecay or a fixed "
                              "rate (a schedule made from a function has no Keras config)");
  const Json config = std::visit(
      [](const auto& o) -> Json {
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, std::monostate>) return nullptr;
        else return config_of(o);
      },
      schedule.config());
  return {{"module", "keras.optimizers.schedules"}, {"class_name", schedule.name()},
          {"config", config}, {"registered_name", nullptr}};
}

LearningRate learning_rate_from_keras(ConfigReader& r, double fallback, const std::string& file) {
  const Json* v = r.get("learning_rate");
  if (!v) return fallback;
  if (v->is_number()) {
    const double x = v->get<double>();
    if (!std::isfinite(x)) r.unsupported("learning_rate", *v, "a finite number");
    return x;
  }
  if (!v->is_object() || !v->value("class_name", Json()).is_string())
    bad_json(file, "the optimizer's learning_rate", "a number or a schedule object", v);
  const std::string cls = (*v)["class_name"].get<std::string>();
  const Json config = v->value("config", Json::object());
  if (!config.is_object())
    bad_json(file, "the learning-rate schedule's config", "an object", &config);
  ConfigReader sr(config, file, "learning_rate", cls, "the learning-rate schedule");
  return schedule_of(cls, sr, file);
}

}  // namespace tenet::data::keras_detail
