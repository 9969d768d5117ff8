// Model::fit / evaluate on a data::Dataset: the batches of each epoch feed Model::fit_source,
// and every batch is checked against the model's Inputs and loss as it arrives, with its index.
#include <algorithm>
#include <optional>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>
#include "core/training/model_state.hpp"
#include <tenet/core/ops/ops.hpp>
#include <tenet/data/dataset.hpp>

namespace tenet {

namespace {

class DatasetSource : public BatchSource {
 public:
  // `call` ("fit", "fit's validation", "evaluate") names the caller when a batch has no labels.
  DatasetSource(const Model& model, data::Dataset ds, std::int64_t batch_size, std::string call)
      : model_(model), ds_(ds.batched() || ds.batch_size() < 0 ? ds : ds.batch(batch_size)),
        call_(std::move(call)) {}
  std::int64_t steps() const override { return ds_.cardinality(); }
  void start_epoch(int epoch) override { epoch_.emplace(ds_.epoch(epoch)); }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    std::optional<data::Batch> b = epoch_->next();
    if (!b) return false;
    if (!b->labels.defined()) raise_no_labels(b->index);
    try {
      model_.check_data(b->inputs, b->labels.defined() ? &b->labels : nullptr);
    } catch (const ContractError& e) {  // name the batch, keep every other fact
      ContractInfo info = e.info();
      info.summary = "batch " + std::to_string(b->index) + " of the dataset: " + info.summary;
      throw ContractError(info);
    }
    inputs = std::move(b->inputs);
    labels = std::move(b->labels);
    index = b->index;
    return true;
  }

 private:
  [[noreturn]] void raise_no_labels(std::int64_t index) const {
    const std::string name = call_.substr(0, call_.find('\''));
    const bool generator = ds_.num_samples() < 0;
    checks::invalid_option(
        (call_ == name ? name + "'s" : call_) + " dataset", "batch " + std::to_string(index) + " without labels",
        "a dataset whose batches carry labels", Site(model_.name() + "." + name, "Model"),
        Phase::run,
        "batch " + std::to_string(index) + " of the dataset has no labels: " +
            (generator ? "the generator's Batch leaves labels empty"
                       : "the dataset was made by from_tensors({x}) without y") + "; " + name +
            " needs one label per sample to compute the loss",
        std::string(generator ? "fill Batch::labels in the generator"
                              : "Dataset::from_tensors({x}, y)") +
            "; use predict for data without labels");
  }

  const Model& model_;
  data::Dataset ds_;
  std::string call_;
  std::optional<data::Epoch> epoch_;
};

}  // namespace

History Model::fit(const data::Dataset& train, FitOptions options, const data::Dataset* validation,
                   std::source_location loc) {
  const ScopedUserCall user("model.fit", loc);
  const Site where = call_site(*s_, "fit");
  check_fit_options(options, where);
  if (options.validation_split > 0)  // Keras refuses it too: a dataset has no "last fraction"
    checks::invalid_option(
        "FitOptions::validation_split", checks::option_value(options.validation_split),
        "0 when fit is given a Dataset", where, Phase::run,
        "validation_split takes the last fraction of in-memory arrays; fit on a Dataset "
        "would ignore it and validate on nothing",
        "auto [train, val] = ds.split(" + checks::option_value(options.validation_split) +
            "); model.fit(train, options, &val)");
  if (options.validation_data)
    checks::invalid_option(
        "FitOptions::validation_data", "arrays", "none when fit is given a Dataset", where,
        Phase::run, "fit on a Dataset takes its validation data as a Dataset; the arrays in "
        "FitOptions::validation_data would be ignored",
        "model.fit(train, options, &validation) with "
        "validation = Dataset::from_tensors(validation_x, validation_y)");
  DatasetSource src(*this, train, options.batch_size, "fit");
  std::optional<DatasetSource> val;
  if (validation) val.emplace(*this, *validation, options.batch_size, "fit's validation");
  return fit_source(src, val ? &*val : nullptr, options);
}

Tensor Model::predict(const data::Dataset& ds, PredictOptions options, std::source_location loc) {
  const ScopedUserCall user("model.predict", loc);
  check_predict_options(options, call_site(*s_, "predict"));
  data::Dataset batched = ds.batched() || ds.batch_size() < 0 ? ds : ds.batch(options.batch_size);
  std::vector<Tensor> parts;
  for (const data::Batch& b : batched) {
    try {
      check_data(b.inputs, nullptr);
    } catch (const ContractError& e) {
      ContractInfo info = e.info();
      info.summary = "batch " + std::to_string(b.index) + " of the dataset: " + info.summary;
      throw ContractError(info);
    }
    parts.push_back(predict(b.inputs, {.batch_size = std::max<std::int64_t>(b.size(), 1)}));
  }
  if (parts.empty()) {  // no batches: an empty result of the output's shape
    Shape s = outputs()[0].shape().with(0, 0);
    for (int d = 1; d < s.rank(); ++d) s[d] = std::max<std::int64_t>(s[d], 0);
    return Tensor::zeros(s);
  }
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

Logs Model::evaluate(const data::Dataset& ds, EvaluateOptions options, std::source_location loc) {
  const ScopedUserCall user("model.evaluate", loc);
  check_evaluate_options(options, call_site(*s_, "evaluate"));
  DatasetSource src(*this, ds, options.batch_size, "evaluate");
  NumericsScope numerics_scope(options.check_numerics || check_numerics());
  return evaluate_source(src, options.verbose);
}

}  // namespace tenet
