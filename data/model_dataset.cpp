// Model::fit / evaluate on a data::Dataset: the batches of each epoch feed Model::fit_source,
// and every batch is checked against the model's Inputs and loss as it arrives, with its index.
#include <algorithm>
#include <optional>

#include "core/autograd.hpp"
#include "core/checks.hpp"
#include "core/model.hpp"
#include "core/ops.hpp"
#include "data/dataset.hpp"

namespace tenet {

namespace {

class DatasetSource : public BatchSource {
 public:
  DatasetSource(const Model& model, data::Dataset ds, std::int64_t batch_size)
      : model_(model), ds_(ds.batched() || ds.batch_size() < 0 ? ds : ds.batch(batch_size)) {}
  std::int64_t steps() const override { return ds_.cardinality(); }
  void start_epoch(int epoch) override { epoch_.emplace(ds_.epoch(epoch)); }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    std::optional<data::Batch> b = epoch_->next();
    if (!b) return false;
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
  const Model& model_;
  data::Dataset ds_;
  std::optional<data::Epoch> epoch_;
};

}  // namespace

History Model::fit(const data::Dataset& train, FitOptions options, const data::Dataset* validation) {
  DatasetSource src(*this, train, options.batch_size);
  std::optional<DatasetSource> val;
  if (validation) val.emplace(*this, *validation, options.batch_size);
  return fit_source(src, val ? &*val : nullptr, options);
}

Tensor Model::predict(const data::Dataset& ds, PredictOptions options) {
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

Logs Model::evaluate(const data::Dataset& ds, EvaluateOptions options) {
  DatasetSource src(*this, ds, options.batch_size);
  NumericsScope numerics_scope(options.check_numerics || check_numerics());
  return evaluate_source(src, options.verbose);
}

}  // namespace tenet
