// Model::compile, call, fit, evaluate, train_on_batch and test_on_batch (predict: model_predict.cpp).
#include <cmath>
#include <numeric>
#include <random>

#include "core/kernels/context.hpp"
#include "core/training/array_source.hpp"
#include "core/training/metric_tally.hpp"
#include "core/training/distributed.hpp"
#include <tenet/core/tensor/autograd.hpp>
#include "core/training/model_numerics.hpp"
#include "core/tensor/numerics.hpp"
#include "core/training/model_state.hpp"
#include "core/contracts/dataset_checks.hpp"
#include "core/contracts/training_checks.hpp"
#include <tenet/core/ops/ops.hpp>
#include "core/training/progress.hpp"

namespace tenet {

using detail::ArrayReader;

namespace {

// With checking on, a batch's inputs are checked as they arrive, unless they come from arrays
// that fit / evaluate checked whole before the first step (naming the sample).
void check_batch_inputs(const Model::State& s, const BatchReader& source,
                        const std::vector<Tensor>& x, const Tensor& y, std::int64_t index) {
  if (!dynamic_cast<const ArrayReader*>(&source)) numerics::check_inputs(s, x, y, index);
}

// Sums of batch losses/metrics weighted by batch size; mean() gives the epoch's values.
struct Running {
  std::map<std::string, double> sums;
  double count = 0;
  void add(const Logs& l, double n) {
    for (const auto& [k, v] : l) sums[k] += v * n;
    count += n;
  }
  Logs mean() const {
    Logs out;
    for (const auto& [k, v] : sums) out[k] = count > 0 ? v / count : 0.0;
    return out;
  }
};

// What compile's fix for a missing loss reads of the model's output.
checks::OutputFacts output_facts(const Model::State& s) {
  return {s.outputs[0].shape(), s.outputs[0].producer()->facts().ends_in_softmax};
}

}  // namespace

void Model::compile(CompileOptions options, std::source_location loc) {
  const ScopedUserCall user("model.compile", loc);
  TrainingGuard guard(*s_, "compile");
  if (!options.optimizer.defined()) options.optimizer = SGD();
  if (!options.loss.defined()) checks::no_loss(output_facts(*s_), s_->site);
  check_compile_options(options, call_site(*s_, "compile"));
  check_single_output(*s_);
  // The same optimizer again (a compile after set_trainable) keeps its state for the
  // variables still trained, as Keras's optimizer keeps its per-variable slots.
  const bool same_optimizer = s_->is_compiled && s_->compiled.optimizer.impl() == options.optimizer.impl();
  const std::vector<Tensor> before = std::move(s_->compiled_trainable);
  s_->compiled = std::move(options);
  s_->is_compiled = true;
  // Gradients reach exactly the variables the optimizer updates: a frozen layer's get none.
  for (auto& w : weights()) w.requires_grad(false);
  s_->compiled_trainable = trainable_weights();
  for (auto& w : s_->compiled_trainable) w.requires_grad(true);
  if (same_optimizer) carry_slots(*s_->compiled.optimizer.impl(), before, s_->compiled_trainable);
}

const History& Model::history() const { return s_->history; }

std::vector<Tensor> Model::call(const std::vector<Tensor>& x, CallOptions options,
                                std::source_location loc) {
  const ScopedUserCall user("model.call", loc);
  // Each node's value, in step order. Searched from the newest: a node's inputs are mostly the
  // last values made, and a map allocated a node per layer on every call.
  std::vector<std::pair<const SymbolicNode*, Tensor>> values;
  values.reserve(s_->steps.size());
  auto value_of = [&](const SymbolicNode* node) -> const Tensor& {
    for (auto it = values.rbegin(); it != values.rend(); ++it)
      if (it->first == node) return it->second;
    internal_error("a model node read before its value was computed");
  };
  const fusion::CallNode call_node = [&](const SymbolicNode& n, const std::vector<Tensor>& args) {
    checks::ScopedCallContext ctx(&s_->contexts.at(&n));
    const ScopedLayerCall layer_call(n.layer->name(), n.call_loc);  // a shared layer's own call
    return n.layer->call(args, options);
  };
  std::vector<Tensor> args;  // one step's inputs, its capacity reused
  for (const fusion::Step& step : s_->steps) {
    const SymbolicNode* n = step.node;
    if (n->inputs.empty()) {
      auto it = s_->input_index.find(n);
      if (it == s_->input_index.end() || it->second >= x.size()) {
        check_data(x, nullptr, Phase::run);  // too few arrays: input.count, the user's mistake
        internal_error("model input without data");
      }
      values.emplace_back(n, x[it->second]);
      continue;
    }
    // A fused node reads its first part's inputs and stands for its last part's value.
    const SymbolicNode& first = step.fused ? *step.fused->parts().front() : *n;
    args.clear();
    for (const auto& in : first.inputs) args.push_back(value_of(in.node().get()));
    values.emplace_back(n, step.fused ? step.fused->run(args, call_node) : call_node(*n, args));
  }
  std::vector<Tensor> out;
  out.reserve(s_->outputs.size());
  for (const auto& o : s_->outputs) out.push_back(value_of(o.node().get()));
  return out;
}

// `trains`: the call updates the weights, so the trainable flags must be compile's.
static void require_compiled(const Model::State& s, const char* what, bool trains = false) {
  checks::check_compiled(s.is_compiled, what, s.site);
  if (trains) check_trainable_since_compile(s, what);
}

// A batch's metrics from detached predictions, counted into `epoch` too when given.
static Logs batch_metrics(const Model::State& s, const Tensor& pred, const Tensor& labels,
                          MetricTally* epoch = nullptr) {
  MetricTally batch(s.compiled.metrics, s.compiled.loss.impl()->label_kind());
  batch.add(pred, labels);
  if (epoch) epoch->add(pred, labels);
  return batch.result();
}

// The epoch's logs: the mean loss, and the metrics over all its samples (not batch means).
static Logs epoch_values(const Running& run, const MetricTally& tally) {
  Logs out = run.mean();
  for (const auto& [k, v] : tally.result()) out[k] = v;
  return out;
}

Logs Model::train_step(const std::vector<Tensor>& x, const Tensor& y, bool guard_nan,
                        MetricTally* epoch) {
  kernels::GovernedStep threads(s_->train_threads, x.empty() ? 0 : x[0].dim(0));
  auto trainable = s_->compiled_trainable;
  for (auto& w : trainable) w.zero_grad();
  try {
    Tensor pred = call(x, {.training = true})[0];
    Tensor loss = s_->compiled.loss(pred, y);
    Logs logs = batch_metrics(*s_, pred.detach(), y, epoch);
    logs["loss"] = loss.item();
    if (!s_->replicas && guard_nan && !std::isfinite(logs["loss"])) {  // TerminateOnNaN: keep the last good weights
      for (const auto& l : s_->layers) l->discard_step();
      return logs;
    }
    loss.backward();
    // Data-parallel (core/training/distributed.hpp): the ranks agree that the step succeeded,
    // then sum gradients and logs; a summed loss that is not finite skips the update everywhere.
    if (s_->replicas && !s_->replicas->reduce_step(trainable, logs, guard_nan)) {
      for (const auto& l : s_->layers) l->discard_step();
      return logs;
    }
    numerics::optimizer_step(*s_, trainable);  // with checking on, undone when not finite
    for (const auto& l : s_->layers) l->commit_step();
    return logs;
  } catch (...) {
    // Nothing was updated: weights and optimizer slots change only in the optimizer's step
    // (which undoes itself when checking finds it non-finite), BatchNorm
    // statistics only in commit_step(). Drop the pending statistics and the gradients.
    for (const auto& l : s_->layers) l->discard_step();
    for (auto& w : trainable) w.zero_grad();
    throw;
  }
}

Logs Model::train_on_batch(const std::vector<Tensor>& x, const Tensor& y,
                           std::source_location loc) {
  const ScopedUserCall user("model.train_on_batch", loc);
  require_compiled(*s_, "train_on_batch", true);
  TrainingGuard guard(*s_, "train_on_batch");
  const Site where = call_site(*s_, "train_on_batch");
  check_handles(x, &y, "train_on_batch", where);
  check_data(x, &y);
  check_samples(x, "train_on_batch", where);
  numerics::StepLabel label("train_on_batch", s_->compiled.optimizer.impl()->iterations());
  numerics::check_variables(*s_);
  numerics::check_inputs(*s_, x, y, -1);
  return train_step(x, y, false);
}

Logs Model::test_on_batch(const std::vector<Tensor>& x, const Tensor& y,
                          std::source_location loc) {
  const ScopedUserCall user("model.test_on_batch", loc);
  require_compiled(*s_, "test_on_batch");
  const Site where = call_site(*s_, "test_on_batch");
  check_handles(x, &y, "test_on_batch", where);
  check_data(x, &y);
  check_samples(x, "test_on_batch", where);
  numerics::StepLabel label("test_on_batch");
  numerics::check_variables(*s_);
  numerics::check_inputs(*s_, x, y, -1);
  // The kernels' denormal mode, also for its loss and metrics; the caller's thread count.
  const kernels::FloatModeScope float_mode;
  NoGradGuard no_grad;
  Tensor pred = call(x, {.training = false})[0];
  Logs logs = batch_metrics(*s_, pred, y);
  logs["loss"] = s_->compiled.loss(pred, y).item();
  return logs;
}

History Model::fit(const Tensor& x, const Tensor& y, FitOptions options,
                   std::source_location loc) {
  return fit(std::vector<Tensor>{x}, y, std::move(options), loc);
}

namespace {
// fit's readers over arrays: the training part and the validation part, if any.
struct ArrayReaders {
  std::unique_ptr<ArrayReader> train, validation;
};
}  // namespace

// fit's checks of the arrays and options, and its readers over them (validation_split applied).
static ArrayReaders array_readers(const Model& m, const std::vector<Tensor>& x, const Tensor& y,
                                  const FitOptions& options) {
  const Model::State& s = *model_state(m);
  require_compiled(s, "fit", true);
  const Site where = call_site(s, "fit");
  check_fit_options(options, where);
  check_handles(x, &y, "fit", where);
  m.check_data(x, &y);
  check_samples(x, "fit", where);
  std::vector<Tensor> xt = x, xv;
  Tensor yt = y, yv;
  if (options.validation_split > 0 && !options.validation_data) {
    const std::int64_t n = x[0].dim(0);
    const std::int64_t split = checks::validation_start(
        n, options.validation_split, "fit",
        "validation_split = " + checks::option_value(options.validation_split), "sample", where);
    for (std::size_t i = 0; i < x.size(); ++i) {
      xt[i] = slice(x[i].detach(), 0, 0, split);
      xv.push_back(slice(x[i].detach(), 0, split, n));
    }
    yt = slice(y.detach(), 0, 0, split);
    yv = slice(y.detach(), 0, split, n);
  } else if (options.validation_data) {
    xv = options.validation_data->x;
    yv = options.validation_data->y;
    const checks::ScopedCallContext named({.validation = "FitOptions::validation_data"});
    m.check_data(xv, &yv);  // messages name it, and fix it rather than the model
  }
  if (!xv.empty() && xv[0].dim(0) == 0)  // Keras refuses it; ignored, no val_ key would exist
    checks::empty_validation({.shape = xv[0].shape()}, where);
  ArrayReaders r;
  r.train = std::make_unique<ArrayReader>(xt, yt, options.batch_size, options.shuffle, options.seed);
  if (!xv.empty()) r.validation = std::make_unique<ArrayReader>(xv, yv, options.batch_size, false, 0);
  // The whole arrays, before any step: a NaN is named by its sample, before anything trains.
  NumericsScope numerics_scope(options.check_numerics || check_numerics());
  numerics::StepLabel step_label("the start of fit");
  numerics::check_inputs(s, x, y, -1);
  if (options.validation_data) {
    step_label.set("the start of fit (validation_data)");
    numerics::check_inputs(s, xv, yv, -1);
  }
  return r;
}

History Model::fit(const std::vector<Tensor>& x, const Tensor& y, FitOptions options,
                   std::source_location loc) {
  const ScopedUserCall user("model.fit", loc);
  // Data-parallel: a check that fails on one rank is raised on every rank (distributed.hpp).
  ArrayReaders r = distributed::checked_at_start(*this, options,
                                                 [&] { return array_readers(*this, x, y, options); });
  return fit_source(*r.train, r.validation.get(), options);
}

// The validation of one epoch: evaluate's logs, as "val_<name>", added to the epoch's.
static void add_validation_logs(Model& model, BatchReader& validation, Logs& epoch_logs) {
  // Data-parallel: the sums of all ranks' validation logs (core/training/distributed.hpp).
  const Logs v = distributed::reduce_validation(*model_state(model), validation,
                                                model.evaluate_source(validation, 0));
  for (const auto& [k, val] : v) epoch_logs["val_" + k] = val;
}

// Why fit stopped when TerminateOnNaN saw a non-finite loss.
static std::string nan_stop_reason(double loss, int epoch, std::int64_t index) {
  return "TerminateOnNaN: loss became " + std::to_string(loss) + " at epoch " +
         std::to_string(epoch + 1) + ", " + checks::batch_name(index) +
         "; that update was skipped";
}

History Model::fit_source(BatchReader& train, BatchReader* validation, const FitOptions& o,
                          std::source_location loc) {
  const ScopedUserCall user("model.fit", loc);
  if (o.distribution) return distributed::fit(*this, train, validation, o, loc);  // checks all
  require_compiled(*s_, "fit", true);
  TrainingGuard guard(*s_, "fit");
  const Site where = call_site(*s_, "fit");
  check_fit_options(o, where);
  check_batch_counts(train, validation, where);
  History& h = (s_->history = History{});
  stop_training = false;
  bool guard_nan = false;
  for (const auto& cb : o.callbacks) guard_nan = guard_nan || cb.impl()->guards_nan();
  // Checking is this call's (or an enclosing NumericsScope's on this thread), never global.
  NumericsScope numerics_scope(o.check_numerics || check_numerics());
  numerics::StepLabel step_label("the start of fit");
  numerics::check_variables(*s_);
  for (const auto& cb : o.callbacks) cb.impl()->on_train_begin(*this);
  std::int64_t global_step = 0;  // named by numerics.nonfinite
  for (int epoch = o.initial_epoch; epoch < o.epochs && !stop_training; ++epoch) {
    for (const auto& cb : o.callbacks) cb.impl()->on_epoch_begin(*this, epoch);
    if (o.verbose) std::printf("Epoch %d/%d\n", epoch + 1, o.epochs), std::fflush(stdout);
    ProgressBar bar(train.steps(), o.verbose);
    Running run;
    MetricTally tally(s_->compiled.metrics, s_->compiled.loss.impl()->label_kind());
    train.start_epoch(epoch);
    std::vector<Tensor> xb;
    Tensor yb;
    std::int64_t index = 0, steps = 0;
    while (train.next(xb, yb, index)) {
      step_label.set(training_step_name(++global_step, epoch, index),
                     s_->compiled.optimizer.impl()->iterations());
      check_batch_inputs(*s_, train, xb, yb, index);
      if (global_step == 1) check_input_ranges(*s_, xb, o.warnings);  // once, at the start
      Logs logs = train_step(xb, yb, guard_nan, &tally);
      run.add(logs, s_->replicas ? s_->replicas->global_rows() : static_cast<double>(xb[0].dim(0)));
      ++steps;
      bar.update(steps, shown_logs(epoch_values(run, tally), s_->compiled.metrics));
      for (const auto& cb : o.callbacks) cb.impl()->on_batch_end(*this, static_cast<int>(index), logs);
      if (guard_nan && !std::isfinite(logs["loss"])) {
        stop_training = true;
        h.stop_reason = nan_stop_reason(logs["loss"], epoch, index);
        break;
      }
    }
    if (steps == 0) {  // a generator's epoch, whose length is not known in advance
      end_on_empty_epoch(epoch, o.initial_epoch, h, where);
      break;
    }
    Logs epoch_logs = epoch_values(run, distributed::summed(*s_, tally));
    step_label.set("validation after epoch " + std::to_string(epoch + 1));
    if (validation) add_validation_logs(*this, *validation, epoch_logs);
    bar.finish(shown_logs(epoch_logs, s_->compiled.metrics), steps);
    h.epoch.push_back(epoch);
    for (const auto& cb : o.callbacks) cb.impl()->on_epoch_end(*this, epoch, epoch_logs);
    for (const auto& [k, v] : epoch_logs) h.history[k].push_back(v);
  }
  for (const auto& cb : o.callbacks) cb.impl()->on_train_end(*this);
  return h;
}

Logs Model::evaluate_source(BatchReader& source, int verbose, std::source_location loc) {
  const ScopedUserCall user("model.evaluate", loc);
  require_compiled(*s_, "evaluate");
  numerics::check_variables(*s_);
  NoGradGuard no_grad;
  Running run;
  MetricTally tally(s_->compiled.metrics, s_->compiled.loss.impl()->label_kind());
  ProgressBar bar(source.steps(), verbose);
  source.start_epoch(0);
  std::vector<Tensor> xb;
  Tensor yb;
  std::int64_t index = 0, steps = 0;
  while (source.next(xb, yb, index)) {
    check_batch_inputs(*s_, source, xb, yb, index);
    const kernels::GovernedStep threads(s_->evaluate_threads, xb[0].dim(0));
    Tensor pred = call(xb, {.training = false})[0];
    tally.add(pred, yb);
    run.add({{"loss", s_->compiled.loss(pred, yb).item()}}, static_cast<double>(xb[0].dim(0)));
    bar.update(++steps, shown_logs(epoch_values(run, tally), s_->compiled.metrics));
  }
  if (steps == 0)  // a mean over nothing would read as a loss of 0
    checks::no_samples("evaluate", "the data yielded no batch; a loss over no samples is a "
                                   "mean over nothing",
                       "give evaluate at least one batch", call_site(*s_, "evaluate"));
  const Logs result = epoch_values(run, distributed::summed(*s_, tally));
  bar.finish(shown_logs(result, s_->compiled.metrics), steps);
  return result;
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options,
                     std::source_location loc) {
  return evaluate(std::vector<Tensor>{x}, y, options, loc);
}

Logs Model::evaluate(const std::vector<Tensor>& x, const Tensor& y, EvaluateOptions options,
                     std::source_location loc) {
  const ScopedUserCall user("model.evaluate", loc);
  require_compiled(*s_, "evaluate");
  const Site where = call_site(*s_, "evaluate");
  check_evaluate_options(options, where);
  check_handles(x, &y, "evaluate", where);
  check_data(x, &y);
  check_samples(x, "evaluate", where);
  ArrayReader src(x, y, options.batch_size, false, 0);
  NumericsScope numerics_scope(options.check_numerics || check_numerics());
  numerics::StepLabel step_label("evaluate");
  numerics::check_inputs(*s_, x, y, -1);
  return evaluate_source(src, options.verbose);
}

}  // namespace tenet
