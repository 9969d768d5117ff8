#include "core/optimizer.hpp"

#include <cmath>

#include "core/autograd.hpp"

namespace tenet {

void OptimizerImpl::step(const std::vector<Tensor>& variables) {
  NoGradGuard no_grad;
  if (slots_.size() != variables.size()) {
    slots_.clear();
    for (const auto& v : variables) {
      std::vector<Tensor> s;
      for (int i = 0; i < slot_count(); ++i) s.push_back(Tensor::zeros(v.shape()));
      slots_.push_back(std::move(s));
    }
  }
  ++iterations_;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    Tensor w = variables[i];
    Tensor g = w.grad();
    if (!g.defined()) continue;
    if (w.dtype() != DType::f32 || g.dtype() != DType::f32)
      internal_error("optimizer variables must be float32");
    update(w.data<float>(), g.data<float>(), w.numel(), slots_[i]);
  }
}

void OptimizerImpl::set_state(std::int64_t iterations, std::vector<std::vector<Tensor>> slots) {
  iterations_ = iterations;
  slots_ = std::move(slots);
}

namespace {

// Updates of large variables (a Dense kernel) are split over the threads; small ones are not
// worth waking them for. Element-wise, so the result does not depend on the thread count.
constexpr std::int64_t kParallelFrom = 32768;

class SGDImpl : public OptimizerImpl {
 public:
  explicit SGDImpl(SGDOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  std::string name() const override { return "SGD"; }

  int slot_count() const override { return o_.momentum > 0 ? 1 : 0; }
  std::string slot_name(int) const override { return "momentum"; }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots) override {
    const float lr = static_cast<float>(learning_rate_), m = static_cast<float>(o_.momentum);
    if (slots.empty()) {
      for (std::int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
      return;
    }
    float* v = slots[0].data<float>();
    const bool nesterov = o_.nesterov;
#pragma omp parallel for simd if (n > kParallelFrom)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += nesterov ? m * v[i] - lr * g[i] : v[i];
    }
  }

 private:
  SGDOptions o_;
};

class AdamImpl : public OptimizerImpl {
 public:
  explicit AdamImpl(AdamOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  std::string name() const override { return "Adam"; }

  int slot_count() const override { return 2; }
  std::string slot_name(int j) const override { return j == 0 ? "momentum" : "velocity"; }
  bool slot_nonnegative(int j) const override { return j == 1; }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots) override {
    const double t = static_cast<double>(iterations_);
    const float alpha = static_cast<float>(learning_rate_ * std::sqrt(1 - std::pow(o_.beta_2, t)) /
                                           (1 - std::pow(o_.beta_1, t)));
    const float b1 = static_cast<float>(o_.beta_1), b2 = static_cast<float>(o_.beta_2);
    const float eps = static_cast<float>(o_.epsilon);
    float* m = slots[0].data<float>();
    float* v = slots[1].data<float>();
#pragma omp parallel for simd if (n > kParallelFrom)
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

 private:
  AdamOptions o_;
};

}  // namespace

SGD::SGD(SGDOptions o) : Optimizer(std::make_shared<SGDImpl>(o)) {}
Adam::Adam(AdamOptions o) : Optimizer(std::make_shared<AdamImpl>(o)) {}

}  // namespace tenet
