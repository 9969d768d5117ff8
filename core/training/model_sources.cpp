// Model::fit, evaluate and predict on a BatchSource (a data::Dataset): the source gives each
// call its own reader, whose batches feed fit_source and evaluate_source like arrays' do.
#include <algorithm>
#include <memory>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "core/training/distributed.hpp"
#include "core/training/model_state.hpp"

namespace tenet {

History Model::fit(const BatchSource& train, FitOptions options, const BatchSource* validation,
                   std::source_location loc) {
  const ScopedUserCall user("model.fit", loc);
  // Data-parallel: a check that fails on one rank is raised on every rank (distributed.hpp).
  std::unique_ptr<BatchReader> src, val;
  distributed::checked_at_start(*this, options, [&] {
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
    src = train.read(*this, options.batch_size, "fit");
    if (validation) val = validation->read(*this, options.batch_size, "fit's validation");
  });
  return fit_source(*src, val.get(), options);
}

Tensor Model::predict(const BatchSource& source, PredictOptions options, std::source_location loc) {
  const ScopedUserCall user("model.predict", loc);
  check_predict_options(options, call_site(*s_, "predict"));
  std::unique_ptr<BatchReader> reader = source.read(*this, options.batch_size, "predict");
  reader->start_epoch(0);
  std::vector<Tensor> parts, inputs;
  Tensor labels;
  std::int64_t index = 0;
  while (reader->next(inputs, labels, index)) {
    const std::int64_t size = inputs.empty() ? 0 : inputs[0].dim(0);
    parts.push_back(predict(inputs, {.batch_size = std::max<std::int64_t>(size, 1)}));
  }
  if (parts.empty()) {  // no batches: an empty result of the output's shape
    Shape s = outputs()[0].shape().with(0, 0);
    for (int d = 1; d < s.rank(); ++d) s[d] = std::max<std::int64_t>(s[d], 0);
    return Tensor::zeros(s);
  }
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

Logs Model::evaluate(const BatchSource& source, EvaluateOptions options, std::source_location loc) {
  const ScopedUserCall user("model.evaluate", loc);
  check_evaluate_options(options, call_site(*s_, "evaluate"));
  std::unique_ptr<BatchReader> reader = source.read(*this, options.batch_size, "evaluate");
  NumericsScope numerics_scope(options.check_numerics || check_numerics());
  return evaluate_source(*reader, options.verbose);
}

}  // namespace tenet
