// The checks Model runs on a call's options and arguments before touching any data:
// options.invalid for FitOptions / EvaluateOptions / PredictOptions and empty handles, and
// batch.empty for a call that would run on no samples.
#include <cmath>
#include <limits>

#include "core/training/model_state.hpp"
#include "core/contracts/dataset_checks.hpp"
#include "core/contracts/training_checks.hpp"

namespace tenet {

namespace {

constexpr int kMaxInt = std::numeric_limits<int>::max();

// `option` is a literal: a std::string parameter allocated on every predict call.
void check_batch_size(const char* option_name, std::int64_t b, const Site& where) {
  if (b >= 1) return;
  const std::string option = option_name;
  checks::invalid_option(option, std::to_string(b), "an integer >= 1", where, Phase::run,
                         option + " is the number of samples per step; batches of " +
                             std::to_string(b) + " samples cannot go through the data",
                         "leave the default (32), or pass a value between 1 and the number of "
                         "samples");
}

void check_verbose(const std::string& option, int v, const Site& where) {
  checks::check_option_range(option, v, 0, 2, where, Phase::run);  // silent, bar, one line
}

void check_validation_split(double v, const Site& where) {
  if (std::isfinite(v) && v >= 0.0 && v < 1.0) return;
  const std::string text = checks::option_value(v);
  std::string cause;
  if (std::isnan(v)) cause = "FitOptions::validation_split is NaN, the result of a computation "
                             "such as 0/0 upstream of the option";
  else if (v >= 1.0) cause = "validation_split = " + text + " keeps the last " +
                             (v == 1.0 ? std::string("100%") : "more than 100%") +
                             " of the samples for validation and leaves none to train on";
  else cause = "validation_split is the fraction of the samples kept for validation; " + text +
               " is not a fraction";
  checks::invalid_option("FitOptions::validation_split", text, "a finite fraction in [0, 1)",
                         where, Phase::run, cause,
                         "a fraction such as 0.1 or 0.2 (0 for no validation), or pass "
                         "FitOptions::validation_data");
}

}  // namespace

Site call_site(const Model::State& s, const std::string& call) {
  return Site(s.name + "." + call, "Model");
}

// Metrics: top_k_accuracy needs k >= 1. Class metrics with a regression loss are accepted, as
// Keras accepts them, and not logged (there are no classes).
void check_compile_options(const CompileOptions& o, const Site& where) {
  for (std::size_t i = 0; i < o.metrics.size(); ++i)
    if (o.metrics[i].kind() == Metric::Kind::top_k_accuracy && o.metrics[i].k() < 1)
      checks::invalid_option("CompileOptions::metrics[" + std::to_string(i) + "]",
                             "Metric::top_k_accuracy(" + std::to_string(o.metrics[i].k()) + ")",
                             "k >= 1", where, Phase::build,
                             "top-k accuracy counts a sample when its label is among the k best "
                             "scores; with k = " + std::to_string(o.metrics[i].k()) +
                                 " no label ever is",
                             "Metric::top_k_accuracy(5), Keras's default, or another k >= 1");
}

void check_fit_options(const FitOptions& o, const Site& where) {
  checks::check_option_range("FitOptions::epochs", o.epochs, 0, kMaxInt, where, Phase::run);
  check_batch_size("FitOptions::batch_size", o.batch_size, where);
  check_validation_split(o.validation_split, where);
  check_verbose("FitOptions::verbose", o.verbose, where);
  // A value cast from an integer outside the enum (a config file's) was taken as print.
  checks::check_option_range("FitOptions::warnings (WarningMode: print 0, raise 1, off 2)",
                             static_cast<int>(o.warnings), 0, 2, where, Phase::run);
  if (o.initial_epoch < 0 || o.initial_epoch > o.epochs)
    checks::invalid_option(
        "FitOptions::initial_epoch", std::to_string(o.initial_epoch),
        "an integer in [0, epochs] = [0, " + std::to_string(o.epochs) + "]", where, Phase::run,
        "fit runs the epochs numbered initial_epoch .. epochs - 1 (epochs counts from the first "
        "epoch, not from initial_epoch); initial_epoch = " + std::to_string(o.initial_epoch) +
            " with epochs = " + std::to_string(o.epochs) + " names no epoch",
        "to resume after epoch k for n more epochs: initial_epoch = k, epochs = k + n");
  for (std::size_t i = 0; i < o.callbacks.size(); ++i)
    if (!o.callbacks[i].impl())
      checks::empty_handle("FitOptions::callbacks[" + std::to_string(i) + "]", "Callback", where,
                           Phase::run);
  if (o.validation_data) {
    const auto& v = *o.validation_data;
    check_handles(v.x, &v.y, "FitOptions::validation_data", where);
  }
}

void check_evaluate_options(const EvaluateOptions& o, const Site& where) {
  check_batch_size("EvaluateOptions::batch_size", o.batch_size, where);
  check_verbose("EvaluateOptions::verbose", o.verbose, where);
}

void check_predict_options(const PredictOptions& o, const Site& where) {
  check_batch_size("PredictOptions::batch_size", o.batch_size, where);
}

void check_handles(const std::vector<Tensor>& x, const Tensor* y, const std::string& call,
                   const Site& where) {
  const std::string owner = call.find("::") == std::string::npos ? call + "'s " : call + ".";
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!x[i].defined())
      checks::empty_handle(owner + (x.size() == 1 ? "x" : "x[" + std::to_string(i) + "]"),
                           "Tensor", where, Phase::run);
  if (y && !y->defined()) checks::empty_handle(owner + "y", "Tensor", where, Phase::run);
}

std::string training_step_name(std::int64_t step, int epoch, std::int64_t index) {
  return "training step " + std::to_string(step) + ", epoch " + std::to_string(epoch + 1) + ", " +
         checks::batch_name(index);
}

void check_samples(const std::vector<Tensor>& x, const std::string& call, const Site& where) {
  if (x.empty() || x[0].rank() == 0 || x[0].dim(0) > 0) return;
  const bool trains = call == "fit" || call == "train_on_batch";
  checks::no_samples(call, "x has shape " + x[0].shape().str() + ", 0 samples; " +
                               (trains ? "a step on no data has no loss to average, yet it "
                                         "would count an optimizer iteration and, with "
                                         "momentum or Adam, still move the weights"
                                : call == "trace" ? "statistics over no samples describe nothing"
                                                  : "a loss over no samples is a mean over nothing"),
                     "pass at least one sample, or skip the call when there is no data",
                     where);
}

namespace {
[[noreturn]] void no_batches(const std::string& what, const Site& where) {
  checks::no_samples("fit", what + "; an epoch without a step has no loss to report",
                     "give fit at least one batch per epoch", where);
}
}  // namespace

void check_batch_counts(const BatchReader& train, const BatchReader* validation,
                        const Site& where) {
  if (train.steps() == 0) no_batches("the training data has 0 batches per epoch", where);
  if (validation && validation->steps() == 0)
    checks::empty_validation({.kind = checks::EmptyValidation::Kind::batches}, where);
}

void end_on_empty_epoch(int epoch, int first_epoch, History& h, const Site& where) {
  if (epoch == first_epoch)
    no_batches("the training data ended epoch " + std::to_string(epoch + 1) +
                   " before its first batch", where);
  h.stop_reason = "the training data yielded no batch in epoch " + std::to_string(epoch + 1) +
                  "; training stopped after epoch " + std::to_string(epoch);
}

TrainingGuard::TrainingGuard(Model::State& s, const char* call) : s_(s) {
  if (!s.training.exchange(true)) return;
  checks::already_training(call, call_site(s, call));
}

void check_single_output(const Model::State& s) {
  checks::check_single_output(s.outputs.size(), s.site);
}

}  // namespace tenet
