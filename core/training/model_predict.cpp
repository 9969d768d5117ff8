// Model::predict: the model in inference mode over in-memory arrays, batch by batch.
#include "core/kernels/context.hpp"
#include "core/training/array_source.hpp"
#include <tenet/core/tensor/autograd.hpp>
#include "core/training/model_state.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

using detail::ArrayReader;

namespace {
// True when the arrays form one batch that the model may read as they are: every row, in order,
// at most batch_size of them, in row-major tensors that need no gradient (reads_as_is). A
// single-image predict copied its image into a batch of its own before.
bool one_batch_as_is(const std::vector<Tensor>& x, std::int64_t batch_size) {
  if (x.empty() || x[0].rank() == 0) return false;
  const std::int64_t n = x[0].dim(0);
  if (n < 1 || n > batch_size) return false;
  for (const Tensor& t : x)
    if (t.rank() == 0 || t.dim(0) != n || !reads_as_is(t)) return false;
  return true;
}

// The outputs, none of them a view of an input (a model that only reshapes its input): predict
// never hands the caller's own values back as its result.
std::vector<Tensor> unshared(std::vector<Tensor> outs, const std::vector<Tensor>& x) {
  for (Tensor& out : outs)
    for (const Tensor& in : x)
      if (shares_storage(out, in)) out = out.clone();
  return outs;
}
}  // namespace

std::vector<Tensor> Model::predict_outputs(const std::vector<Tensor>& x, PredictOptions options,
                                           std::source_location loc) {
  const ScopedUserCall user("model.predict", loc);
  const Site where = call_site(*s_, "predict");
  check_predict_options(options, where);
  check_handles(x, nullptr, "predict", where);
  check_data(x, nullptr);
  NoGradGuard no_grad;
  if (one_batch_as_is(x, options.batch_size)) {
    const kernels::GovernedStep threads(s_->predict_threads, x[0].dim(0));
    return unshared(call(x, {.training = false}), x);
  }
  ArrayReader src(x, Tensor(), options.batch_size, false, 0);
  src.start_epoch(0);
  std::vector<std::vector<Tensor>> parts(s_->outputs.size());
  std::vector<Tensor> xb;
  Tensor yb;
  std::int64_t index = 0;
  while (src.next(xb, yb, index)) {
    const kernels::GovernedStep threads(s_->predict_threads, xb.empty() ? 0 : xb[0].dim(0));
    auto outs = call(xb, {.training = false});
    for (std::size_t i = 0; i < outs.size(); ++i) parts[i].push_back(outs[i]);
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
