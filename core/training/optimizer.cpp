#include <tenet/core/training/optimizer.hpp>

#include <cmath>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/contracts/checks.hpp>

namespace tenet {

void OptimizerImpl::step(const std::vector<Tensor>& variables) {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    const Site site(name(), "Optimizer");
    checks::defined(variables[i], [&] {
      return "the " + checks::ordinal(i) + " variable given to " + name();
    }, site);
    const Tensor g = variables[i].grad();
    for (const Tensor& t : {variables[i], g})
      if (t.defined() && t.dtype() != DType::f32)
        checks::check_dtype(t.dtype(), DType::f32, "input.dtype", site, Phase::run,
                            "the " + checks::ordinal(i) + " variable given to " + name() +
                                " (or its gradient) is " + dtype_name(t.dtype()) +
                                "; optimizers update float32 variables",
                            "give the optimizer float32 variables: x.astype(DType::f32)");
  }
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
    update(w.data<float>(), g.data<float>(), w.numel(), slots_[i]);
  }
}

namespace {
void check_learning_rate(const std::string& option, double lr, const Site& where, Phase phase) {
  checks::check_option_above(
      option, lr, 0.0, where, phase,
      std::isinf(lr) ? "an infinite rate turns every weight into inf or NaN at the first step"
      : lr == 0      ? "a learning rate of 0 never moves the weights: training would run and "
                       "change nothing"
                     : "a negative learning rate moves the weights up the gradient, increasing "
                       "the loss");
}
}  // namespace

OptimizerImpl::OptimizerImpl(double lr, Site where) : learning_rate_(lr), where_(std::move(where)) {
  check_learning_rate(where_.type + "Options::learning_rate", lr, where_, Phase::build);
}

void OptimizerImpl::set_learning_rate(double lr) {
  check_learning_rate(where_.type + "::set_learning_rate", lr, where_, Phase::run);
  learning_rate_ = lr;
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
  SGDImpl(SGDOptions o, Site where) : OptimizerImpl(o.learning_rate, std::move(where)), o_(o) {
    checks::check_option_real("SGDOptions::momentum", o.momentum, 0.0, 1.0, false, where_,
                              Phase::build,
                              "momentum is the share of the last update kept in the next "
                              "(v = momentum * v - lr * g); at 1 or above the updates never "
                              "decay and grow without bound, below 0 they flip sign each step");
  }
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
  AdamImpl(AdamOptions o, Site where) : OptimizerImpl(o.learning_rate, std::move(where)), o_(o) {
    const std::string decay = " is the decay of a moving average of the gradients; Adam divides "
                              "by 1 - beta^t, which is 0 for beta = 1, and a beta outside [0, 1) "
                              "is not a decay";
    checks::check_option_real("AdamOptions::beta_1", o.beta_1, 0.0, 1.0, false, where_,
                              Phase::build, "beta_1" + decay);
    checks::check_option_real("AdamOptions::beta_2", o.beta_2, 0.0, 1.0, false, where_,
                              Phase::build, "beta_2" + decay);
    checks::check_option_above("AdamOptions::epsilon", o.epsilon, 0.0, where_, Phase::build);
  }
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

SGD::SGD(SGDOptions o, std::source_location loc)
    : Optimizer(std::make_shared<SGDImpl>(o, Site("SGD", "SGD", loc))) {}
Adam::Adam(AdamOptions o, std::source_location loc)
    : Optimizer(std::make_shared<AdamImpl>(o, Site("Adam", "Adam", loc))) {}

}  // namespace tenet
