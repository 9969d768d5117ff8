// Model::profile: forward and backward time per layer for a few training steps.
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/training/model_state.hpp"
#include "core/graph/profile.hpp"
#include "core/tensor/tensor_impl.hpp"  // written_bytes

namespace tenet {

std::string Model::profile(const std::vector<Tensor>& x, const Tensor& y, int steps,
                           std::source_location loc) {
  const ScopedUserCall user("model.profile", loc);
  checks::check_option_positive("Model::profile steps", steps, "the number of timed steps",
                                call_site(*s_, "profile"), Phase::run);
  std::vector<Tensor> saved;
  for (const auto& w : weights()) saved.push_back(w.clone());
  OptimizerImpl* opt = s_->is_compiled ? s_->compiled.optimizer.impl().get() : nullptr;
  auto slots = opt ? opt->slots() : std::vector<std::vector<Tensor>>{};
  for (auto& per_var : slots)
    for (auto& t : per_var) t = t.clone();
  const std::int64_t iterations = opt ? opt->iterations() : 0;

  train_on_batch(x, y);  // warm-up: primitives created, buffers allocated
  using Clock = std::chrono::steady_clock;
  profiling::start();
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) train_on_batch(x, y);
  const double total = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / steps;
  std::vector<LayerTiming> rows = profiling::stop();

  auto ws = weights();
  for (std::size_t i = 0; i < ws.size(); ++i)
    std::memcpy(written_bytes(ws[i]), saved[i].raw_data(), saved[i].nbytes());
  if (opt) opt->set_state(iterations, slots);

  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-36s %12s %12s %7s\n", "layer", "forward ms", "backward ms", "share");
  out += line;
  double accounted = 0;
  for (const auto& r : rows) {
    const double f = r.forward_ms / steps, b = r.backward_ms / steps;
    accounted += f + b;
    std::snprintf(line, sizeof line, "%-36s %12.3f %12.3f %6.1f%%\n", r.layer.c_str(), f, b,
                  100 * (f + b) / total);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-36s %25.3f %6.1f%%\n", "loss, optimizer, other",
                total - accounted, 100 * (total - accounted) / total);
  out += line;
  std::snprintf(line, sizeof line, "%-36s %25.3f   (batch %lld, %d steps)\n", "step total", total,
                static_cast<long long>(x.empty() ? 0 : x[0].dim(0)), steps);
  out += line;
  // Fused nodes run their layers as one: a ReLU run inside a BatchNorm has no row of its own.
  const std::string fused = fusion::describe(*this);
  if (!fused.empty()) out += "fused nodes:\n" + fused;
  return out;
}

}  // namespace tenet
