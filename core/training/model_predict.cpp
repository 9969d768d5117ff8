// Model::predict: the model in inference mode over in-memory arrays, batch by batch.
#include "core/kernels/context.hpp"
#include "core/training/array_source.hpp"
#include <tenet/core/tensor/autograd.hpp>
#include "core/training/model_state.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

using detail::ArrayReader;

std::vector<Tensor> Model::predict_outputs(const std::vector<Tensor>& x, PredictOptions options,
                                           std::source_location loc) {
  const ScopedUserCall user("model.predict", loc);
  const Site where = call_site(*s_, "predict");
  check_predict_options(options, where);
  check_handles(x, nullptr, "predict", where);
  check_data(x, nullptr);
  NoGradGuard no_grad;
  ArrayReader src(x, Tensor(), options.batch_size, false, 0, true);
  src.start_epoch(0);
  std::vector<std::vector<Tensor>> parts(s_->outputs.size());
  std::vector<Tensor> xb;
  Tensor yb;
  std::int64_t index = 0;
  while (src.next(xb, yb, index)) {
    const kernels::GovernedStep threads(s_->predict_threads, xb.empty() ? 0 : xb[0].dim(0));
    auto outs = call(xb, {.training = false});
    for (std::size_t i = 0; i < outs.size(); ++i) {
      // A batch may be the caller's own tensor (ArrayReader's share_whole): an output that is a
      // view of it (a model that only reshapes) is copied, so predict never returns the input.
      for (const Tensor& in : xb)
        if (shares_storage(outs[i], in)) outs[i] = outs[i].clone();
      parts[i].push_back(outs[i]);
    }
  }
  std::vector<Tensor> result;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      Shape s = s_->outputs[i].shape().with(0, 0);
      for (int d = 1; d < s.rank(); ++d) if (s[d] < 0) s[d] = 0;
      result.push_back(Tensor::zeros(s));
    } else {
      result.push_back(parts[i].size() == 1 ? parts[i][0] : concat(parts[i], 0));
    }
  }
  return result;
}

Tensor Model::predict(const std::vector<Tensor>& x, PredictOptions options,
                      std::source_location loc) {
  return predict_outputs(x, options, loc)[0];
}

Tensor Model::predict(const Tensor& x, PredictOptions options, std::source_location loc) {
  return predict(std::vector<Tensor>{x}, options, loc);
}

}  // namespace tenet
