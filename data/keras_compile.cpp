// Keras compile configs <-> tenet CompileOptions: Adam, AdamW, RMSprop and SGD, the four
// losses; the metrics are in keras_metrics.cpp (data/keras_json.hpp). Settings that change only speed (jit_compile, steps_per_execution,
// run_eagerly) are accepted and not kept.
#include <algorithm>
#include <cctype>

#include <tenet/losses/binary_crossentropy.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>
#include "core/training/model_state.hpp"
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

template <class Options>
void read_adam_rule(ConfigReader& r, Options& o, const std::string& file) {
  o.learning_rate = learning_rate_from_keras(r, o.learning_rate.initial(), file);
  o.beta_1 = r.number("beta_1", o.beta_1);
  o.beta_2 = r.number("beta_2", o.beta_2);
  o.epsilon = r.number("epsilon", o.epsilon);
  r.only("amsgrad", {false});
}

// The optimizers tenet writes (Adam, AdamW, RMSprop, SGD) by Keras's class name, lower case.
Optimizer optimizer_of_class(const std::string& cls, ConfigReader& r, const Json& class_name,
                             const std::string& file) {
  if (cls == "adam" || cls == "adamw") {
    AdamWOptions o;
    read_adam_rule(r, o, file);
    if (cls == "adamw") {
      o.weight_decay = r.number("weight_decay", o.weight_decay);
      r.finish();
      return AdamW(o);
    }
    r.only("weight_decay", {nullptr});
    r.finish();
    return Adam({o.learning_rate, o.beta_1, o.beta_2, o.epsilon});
  }
  r.only("weight_decay", {nullptr});
  if (cls == "rmsprop") {
    RMSpropOptions o;
    o.learning_rate = learning_rate_from_keras(r, o.learning_rate.initial(), file);
    o.rho = r.number("rho", o.rho);
    o.momentum = r.number("momentum", o.momentum);
    o.epsilon = r.number("epsilon", o.epsilon);
    o.centered = r.boolean("centered", o.centered);
    r.finish();
    return RMSprop(o);
  }
  if (cls != "sgd") r.unsupported("class_name", class_name, "Adam, AdamW, RMSprop or SGD");
  SGDOptions o;
  o.learning_rate = learning_rate_from_keras(r, o.learning_rate.initial(), file);
  o.momentum = r.number("momentum", o.momentum);
  o.nesterov = r.boolean("nesterov", o.nesterov);
  r.finish();
  return SGD(o);
}

Optimizer optimizer_from_keras(const Json& v, const std::string& file) {
  const Json spec = v.is_string() ? Json{{"class_name", v}, {"config", Json::object()}} : v;
  if (!spec.is_object() || !spec.value("class_name", Json()).is_string())
    bad_json(file, "the compile config's optimizer", "a name or an optimizer object", &v);
  std::string cls = spec["class_name"].get<std::string>();
  std::transform(cls.begin(), cls.end(), cls.begin(), [](unsigned char c) { return std::tolower(c); });
  const Json config = spec.value("config", Json::object());
  ConfigReader r(config, file, "optimizer", spec["class_name"].get<std::string>(),
                 "the optimizer");
  r.ignore("name");
  for (const char* k : {"clipnorm", "global_clipnorm", "clipvalue", "ema_overwrite_frequency",
                        "loss_scale_factor", "gradient_accumulation_steps"})
    r.only(k, {nullptr});
  r.only("use_ema", {false});
  r.ignore("ema_momentum");  // used only with use_ema, which is false here
  return optimizer_of_class(cls, r, spec["class_name"], file);
}

Loss loss_from_keras(const Json& v, const std::string& file) {
  const Json spec = v.is_string() ? Json{{"class_name", v}, {"config", Json::object()}} : v;
  if (!spec.is_object() || !spec.value("class_name", Json()).is_string())
    bad_json(file, "the compile config's loss", "a loss name or a loss object", &v);
  const std::string cls = spec["class_name"].get<std::string>();
  const Json config = spec.value("config", Json::object());
  ConfigReader r(config, file, "loss", cls, "the loss");
  r.ignore("name");
  r.only("reduction", {"sum_over_batch_size", "auto"});
  r.only("dtype", {nullptr, "float32"});
  const bool from_logits = r.boolean("from_logits", false);
  r.only("label_smoothing", {0, 0.0});
  r.only("axis", {-1});
  r.only("ignore_class", {nullptr});
  r.finish();
  if (cls == "binary_crossentropy" || cls == "BinaryCrossentropy")
    return BinaryCrossentropy({.from_logits = from_logits});
  if (cls == "sparse_categorical_crossentropy" || cls == "SparseCategoricalCrossentropy")
    return SparseCategoricalCrossentropy({.from_logits = from_logits});
  if (cls == "categorical_crossentropy" || cls == "CategoricalCrossentropy")
    return CategoricalCrossentropy({.from_logits = from_logits});
  if (from_logits) r.unsupported("from_logits", true, "false for mean squared error");
  if (cls == "mean_squared_error" || cls == "mse" || cls == "MeanSquaredError")
    return MeanSquaredError();
  r.unsupported("class_name", cls, "SparseCategoricalCrossentropy, CategoricalCrossentropy, "
                                   "BinaryCrossentropy or MeanSquaredError");
}

}  // namespace

std::optional<CompileOptions> compile_from_keras(const Json* config, const std::string& file) {
  if (!config || config->is_null() || (config->is_object() && config->empty())) return std::nullopt;
  ConfigReader r(*config, file, "compile_config", "compile config", "the compile config");
  const Json* opt = r.get("optimizer");
  const Json* loss = r.get("loss");
  if (!opt || !loss) r.wrong_type(opt ? "loss" : "optimizer", "present in a compile config");
  CompileOptions o{optimizer_from_keras(*opt, file), loss_from_keras(*loss, file), {}};
  o.metrics = metrics_from_keras(r.get("metrics"), o.loss.impl()->label_kind(), r, file);
  r.only("loss_weights", {nullptr});
  r.only("weighted_metrics", {nullptr});
  for (const char* k : {"run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"})
    r.ignore(k);  // speed only
  r.finish();
  return o;
}

Json compile_to_keras(const Model& model, std::vector<std::string>* left_out) {
  const Model::State& s = *model_state(model);
  if (!s.is_compiled) return nullptr;
  const OptimizerImpl& opt = *s.compiled.optimizer.impl();
  static const std::map<std::string, std::string> keras_name = {
      {"Adam", "adam"}, {"AdamW", "adamw"}, {"RMSprop", "rmsprop"}, {"SGD", "SGD"}};
  Json oc = {{"name", keras_name.at(opt.name())},
             {"learning_rate", opt.schedule().defined() ? schedule_to_keras(opt.schedule(), opt.name())
                                                        : Json(opt.learning_rate())}};
  for (const auto& [k, v] : opt.hyperparameters())
    if (k == "nesterov" || k == "centered") oc[k] = v != 0.0;
    else oc[k] = v;
  const LossImpl& loss = *s.compiled.loss.impl();
  static const std::map<std::string, std::string> loss_class = {
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"mean_squared_error", "MeanSquaredError"},
      {"binary_crossentropy", "BinaryCrossentropy"}};
  Json lc = {{"name", loss.name()}, {"reduction", "sum_over_batch_size"}};
  if (loss.name() != "mean_squared_error") lc["from_logits"] = loss.from_logits();
  const Shape out = s.outputs[0].shape();
  const Json metrics = metrics_to_keras(s.compiled.metrics, loss,
                                        out.rank() > 0 ? out.dim(-1) : 0, left_out);
  auto cls = loss_class.find(loss.name());
  return {{"optimizer", {{"module", "keras.optimizers"}, {"class_name", opt.name()},
                         {"config", oc}, {"registered_name", nullptr}}},
          {"loss", {{"module", "keras.losses"},
                    {"class_name", cls == loss_class.end() ? loss.name() : cls->second},
                    {"config", lc}, {"registered_name", nullptr}}},
          {"loss_weights", nullptr}, {"metrics", metrics}, {"weighted_metrics", nullptr},
          {"run_eagerly", false}, {"steps_per_execution", 1}, {"jit_compile", false}};
}

}  // namespace tenet::data::keras_detail
