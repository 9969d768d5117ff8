// data::Dataset as a BatchSource: the reader that Model::fit, evaluate and predict take from a
// Dataset (core/training/model_sources.cpp). Every batch is checked against the model's Inputs
// (and, but for predict, its labels and loss) as it arrives, and an error names its index.
#include <memory>
#include <optional>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/dataset_checks.hpp"
#include <tenet/core/training/model.hpp>
#include <tenet/data/dataset.hpp>

namespace tenet {

namespace {

class DatasetReader : public BatchReader {
 public:
  // `call` ("fit", "fit's validation", "evaluate", "predict") names the caller when a batch has
  // no labels; predict reads none.
  DatasetReader(const Model& model, data::Dataset ds, std::int64_t batch_size, std::string call)
      : model_(model), ds_(ds.batched() || ds.batch_size() < 0 ? ds : ds.batch(batch_size)),
        call_(std::move(call)) {}
  std::int64_t steps() const override { return ds_.cardinality(); }
  // fit and evaluate read epoch `epoch`; predict reads the dataset's next epoch, as a range-for
  // over it would (Dataset::begin).
  void start_epoch(int epoch) override {
    if (call_ == "predict") {
      range_.emplace(ds_.begin());
      advance_ = false;
    } else {
      epoch_.emplace(ds_.epoch(epoch));
    }
    ++passes_;
    batches_ = 0;
  }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    std::optional<data::Batch> b = fetch();
    if (!b && batches_ == 0 && validation())  // evaluate's own refusal would name evaluate
      checks::empty_validation({.kind = checks::EmptyValidation::Kind::generator, .pass = passes_},
                               Site(model_.name() + ".fit", "Model"));
    if (!b) return false;
    ++batches_;
    const bool labelled = call_ != "predict";
    if (labelled && !b->labels.defined()) raise_no_labels(b->index);
    if (validation()) {  // its messages name it, and fix it rather than the model
      const checks::ScopedCallContext named(
          {.validation = "fit's validation dataset, " + checks::batch_name(b->index)});
      model_.check_data(b->inputs, &b->labels);
    } else {
      try {
        model_.check_data(b->inputs, labelled ? &b->labels : nullptr);
      } catch (const ContractError& e) {  // name the batch, keep every other fact
        ContractInfo info = e.info();
        info.summary = checks::batch_name(b->index) + ": " + info.summary;
        throw ContractError(info);
      }
    }
    inputs = std::move(b->inputs);
    labels = std::move(b->labels);
    index = b->index;
    return true;
  }

 private:
  std::optional<data::Batch> fetch() {
    if (!range_) return epoch_->next();
    if (advance_) ++*range_;  // the next batch is prepared only once this one has been used
    advance_ = true;
    if (*range_ == ds_.end()) return std::nullopt;
    return **range_;
  }

  bool validation() const { return call_ == "fit's validation"; }

  [[noreturn]] void raise_no_labels(std::int64_t index) const {
    const std::string name = call_.substr(0, call_.find('\''));
    const bool generator = ds_.num_samples() < 0;
    checks::invalid_option(
        (call_ == name ? name + "'s" : call_) + " dataset", checks::batch_name(index) + " without labels",
        "a dataset whose batches carry labels", Site(model_.name() + "." + name, "Model"),
        Phase::run,
        checks::batch_name(index) + " has no labels: " +
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
  std::optional<data::Epoch::iterator> range_;  // predict's
  std::int64_t passes_ = 0, batches_ = 0;  // epochs started; batches read in this one
  bool advance_ = false;
};

}  // namespace

namespace data {

std::unique_ptr<BatchReader> Dataset::read(const Model& model, std::int64_t batch_size,
                                           const std::string& call) const {
  return std::make_unique<DatasetReader>(model, *this, batch_size, call);
}

}  // namespace data

}  // namespace tenet
