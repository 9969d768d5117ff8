// Model::trace: one batch through every layer, with statistics of each layer's output and the
// gradient norm of each trainable layer's weights (for teaching: a dead ReLU, a vanishing
// gradient, unscaled inputs show in the table).
#include <cmath>
#include <limits>

#include <tenet/core/tensor/autograd.hpp>
#include "core/training/model_state.hpp"

namespace tenet {

namespace {

// Output statistics over the finite elements, in double precision, whatever the dtype; NaN and
// Inf are counted apart (a min over NaN would otherwise print inf, and a mean hide it).
void fill_stats(TraceRow& row, const Tensor& t) {
  row.shape = t.shape();
  row.dtype = t.dtype();
  const std::int64_t n = t.numel();
  if (n == 0) return;
  double sum = 0, sum_sq = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::int64_t zeros = 0, bad = 0;
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) {
      const auto v = static_cast<double>(p[i]);
      if (!std::isfinite(v)) {
        ++bad;
        continue;
      }
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      zeros += v == 0.0;
    }
    const double mean = sum / static_cast<double>(n - bad);
    for (std::int64_t i = 0; i < n; ++i) {
      const auto v = static_cast<double>(p[i]);
      if (std::isfinite(v)) sum_sq += (v - mean) * (v - mean);
    }
  });
  const double finite = static_cast<double>(n - bad), nan = std::numeric_limits<double>::quiet_NaN();
  row.mean = bad == n ? nan : sum / finite;
  row.std = bad == n ? nan : std::sqrt(sum_sq / finite);
  row.min = bad == n ? nan : lo;
  row.max = bad == n ? nan : hi;
  row.zero_fraction = static_cast<double>(zeros) / static_cast<double>(n);
  row.nonfinite = bad;
}

// The L2 norm of a layer's trainable weights' gradients; empty when it has none.
std::optional<double> grad_norm(const LayerImpl& layer) {
  const auto w = layer.weights();
  const auto trainable = layer.trainable();
  std::optional<double> norm;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (i >= trainable.size() || !trainable[i]) continue;
    double sq = norm ? *norm * *norm : 0.0;
    const Tensor g = w[i].grad();
    if (g.defined())
      for (float v : g.astype(DType::f32).to_vector<float>()) sq += static_cast<double>(v) * v;
    norm = std::sqrt(sq);
  }
  return norm;
}

}  // namespace

ModelTrace Model::trace(const std::vector<Tensor>& x, const Tensor& y) {
  TrainingGuard guard(*s_, "trace");
  const bool with_loss = y.defined() && s_->is_compiled;
  check_data(x, with_loss ? &y : nullptr);
  check_samples(x, "trace", call_site(*s_, "trace"));
  ModelTrace out;
  auto trainable = trainable_weights();
  for (auto& w : trainable) w.zero_grad();
  std::optional<NoGradGuard> no_grad;
  if (!with_loss) no_grad.emplace();
  try {
    // Not Model::call: trace shows each layer's own output, so no ReLU is folded into the
    // layer before it (CallOptions::relu_after and the backward shortcuts stay off).
    std::map<const SymbolicNode*, Tensor> values;
    for (const auto& n : s_->nodes) {
      Tensor v;
      if (n->inputs.empty()) {
        v = x.at(s_->input_index.at(n.get()));
      } else {
        std::vector<Tensor> args;
        for (const auto& in : n->inputs) args.push_back(values.at(in.node().get()));
        checks::ScopedCallContext ctx(&s_->contexts.at(n.get()));
        v = n->layer->call(args, {.training = with_loss});
      }
      values[n.get()] = v;
      TraceRow row;
      row.layer = n->layer->name();
      row.type = n->layer->type();
      fill_stats(row, v.detach());
      out.rows.push_back(std::move(row));
    }
    if (with_loss) {
      Tensor loss = s_->compiled.loss(values.at(s_->outputs[0].node().get()), y);
      out.loss = loss.item();
      loss.backward();
      std::size_t i = 0;
      for (const auto& n : s_->nodes) out.rows[i++].grad_norm = grad_norm(*n->layer);
    }
  } catch (...) {
    for (const auto& l : s_->layers) l->discard_step();
    for (auto& w : trainable) w.zero_grad();
    throw;
  }
  for (const auto& l : s_->layers) l->discard_step();  // BatchNorm's batch statistics
  for (auto& w : trainable) w.zero_grad();
  return out;
}

}  // namespace tenet
