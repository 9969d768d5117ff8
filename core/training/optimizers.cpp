#include <tenet/core/training/optimizer.hpp>

#include <cmath>
#include <limits>

#include <tenet/core/contracts/checks.hpp>

// The update rules of tenet's optimizers, each Keras's (keras/optimizers/*.py).
namespace tenet {

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
  std::vector<std::pair<std::string, double>> hyperparameters() const override {
    return {{"momentum", o_.momentum}, {"nesterov", o_.nesterov ? 1.0 : 0.0}};
  }

  int slot_count() const override { return o_.momentum > 0 ? 1 : 0; }
  std::string slot_name(int) const override { return "momentum"; }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots,
              double rate) override {
    const float lr = static_cast<float>(rate), m = static_cast<float>(o_.momentum);
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

// A moving-average decay in [0, 1): Adam's betas, RMSprop's rho.
void check_decay(const std::string& option, double value, const Site& where,
                 const std::string& what) {
  checks::check_option_real(option, value, 0.0, 1.0, false, where, Phase::build,
                            what + " is the decay of a moving average; a value outside [0, 1) "
                                   "is not a decay (at 1 the average never moves, and Adam "
                                   "divides by 1 - beta^t = 0)");
}

// epsilon: finite, > 0, and not 0 once in float32.
void check_epsilon(const std::string& option, double value, const Site& where) {
  checks::check_option_above(option, value, 0.0, where, Phase::build);
  checks::check_option_float32(option, value,
                               "epsilon keeps the update's divisor away from 0, where a weight "
                               "whose gradient is 0 would get 0 / 0 = NaN",
                               where, Phase::build);
}

struct AdamRule {
  double beta_1, beta_2, epsilon;
};

class AdamImpl : public OptimizerImpl {
 public:
  AdamImpl(const LearningRate& lr, AdamRule rule, const std::string& options, Site where)
      : OptimizerImpl(lr, std::move(where)), rule_(rule) {
    check_decay(options + "::beta_1", rule.beta_1, where_, "beta_1");
    check_decay(options + "::beta_2", rule.beta_2, where_, "beta_2");
    check_epsilon(options + "::epsilon", rule.epsilon, where_);
  }
  std::string name() const override { return "Adam"; }
  std::vector<std::pair<std::string, double>> hyperparameters() const override {
    return {{"beta_1", rule_.beta_1}, {"beta_2", rule_.beta_2}, {"epsilon", rule_.epsilon}};
  }

  int slot_count() const override { return 2; }
  std::string slot_name(int j) const override { return j == 0 ? "momentum" : "velocity"; }
  bool slot_nonnegative(int j) const override { return j == 1; }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots,
              double rate) override {
    const double t = static_cast<double>(iterations_);
    const float alpha = static_cast<float>(rate * std::sqrt(1 - std::pow(rule_.beta_2, t)) /
                                           (1 - std::pow(rule_.beta_1, t)));
    const float b1 = static_cast<float>(rule_.beta_1), b2 = static_cast<float>(rule_.beta_2);
    const float eps = static_cast<float>(rule_.epsilon);
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
  AdamRule rule_;
};

class AdamWImpl : public AdamImpl {
 public:
  AdamWImpl(const AdamWOptions& o, Site where)
      : AdamImpl(o.learning_rate, {o.beta_1, o.beta_2, o.epsilon}, "AdamWOptions",
                 std::move(where)),
        weight_decay_(o.weight_decay) {
    checks::check_option_real("AdamWOptions::weight_decay", o.weight_decay, 0.0,
                              std::numeric_limits<double>::max(), true, where_, Phase::build,
                              "each step shrinks every weight by lr * weight_decay of itself; "
                              "a negative decay would grow the weights instead");
    checks::check_option_float32("AdamWOptions::weight_decay", o.weight_decay,
                                 "each step shrinks every weight by lr * weight_decay of itself",
                                 where_, Phase::build);
  }
  std::string name() const override { return "AdamW"; }
  std::vector<std::pair<std::string, double>> hyperparameters() const override {
    auto h = AdamImpl::hyperparameters();
    h.emplace_back("weight_decay", weight_decay_);
    return h;
  }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots,
              double rate) override {
    const float decay = static_cast<float>(rate) * static_cast<float>(weight_decay_);
#pragma omp parallel for simd if (n > kParallelFrom)
    for (std::int64_t i = 0; i < n; ++i) w[i] -= w[i] * decay;
    AdamImpl::update(w, g, n, slots, rate);
  }

 private:
  double weight_decay_;
};

class RMSpropImpl : public OptimizerImpl {
 public:
  RMSpropImpl(const RMSpropOptions& o, Site where)
      : OptimizerImpl(o.learning_rate, std::move(where)), o_(o) {
    check_decay("RMSpropOptions::rho", o.rho, where_, "rho");
    checks::check_option_real("RMSpropOptions::momentum", o.momentum, 0.0, 1.0, false, where_,
                              Phase::build,
                              "momentum is the share of the last increment kept in the next; "
                              "at 1 or above the updates never decay");
    check_epsilon("RMSpropOptions::epsilon", o.epsilon, where_);
  }
  std::string name() const override { return "RMSprop"; }
  std::vector<std::pair<std::string, double>> hyperparameters() const override {
    return {{"rho", o_.rho}, {"momentum", o_.momentum}, {"epsilon", o_.epsilon},
            {"centered", o_.centered ? 1.0 : 0.0}};
  }

  // Keras creates the velocities, then the momentums, then the average gradients.
  int slot_count() const override { return 1 + (o_.momentum > 0) + o_.centered; }
  std::string slot_name(int j) const override {
    if (j == 0) return "velocity";
    return j == 1 && o_.momentum > 0 ? "momentum" : "average_gradient";
  }
  bool slot_nonnegative(int j) const override { return j == 0; }
  bool slots_by_kind() const override { return true; }

 protected:
  void update(float* w, const float* g, std::int64_t n, std::vector<Tensor>& slots,
              double rate) override {
    const float lr = static_cast<float>(rate), rho = static_cast<float>(o_.rho);
    const float eps = static_cast<float>(o_.epsilon), mom = static_cast<float>(o_.momentum);
    float* v = slots[0].data<float>();
    float* m = o_.momentum > 0 ? slots[1].data<float>() : nullptr;
    float* a = o_.centered ? slots.back().data<float>() : nullptr;
#pragma omp parallel for if (n > kParallelFrom)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = rho * v[i] + (1 - rho) * (g[i] * g[i]);
      float d = v[i] + eps;
      if (a) {
        a[i] = rho * a[i] + (1 - rho) * g[i];
        d = v[i] - a[i] * a[i] + eps;
      }
      const float inc = lr * g[i] / std::sqrt(d);
      if (m) {
        m[i] = mom * m[i] + inc;
        w[i] -= m[i];
      } else {
        w[i] -= inc;
      }
    }
  }

 private:
  RMSpropOptions o_;
};

}  // namespace

SGD::SGD(SGDOptions o, std::source_location loc)
    : Optimizer(std::make_shared<SGDImpl>(o, Site("SGD", "SGD", loc))) {}
Adam::Adam(AdamOptions o, std::source_location loc)
    : Optimizer(std::make_shared<AdamImpl>(o.learning_rate,
                                           AdamRule{o.beta_1, o.beta_2, o.epsilon},
                                           "AdamOptions", Site("Adam", "Adam", loc))) {}
AdamW::AdamW(AdamWOptions o, std::source_location loc)
    : Optimizer(std::make_shared<AdamWImpl>(o, Site("AdamW", "AdamW", loc))) {}
RMSprop::RMSprop(RMSpropOptions o, std::source_location loc)
    : Optimizer(std::make_shared<RMSpropImpl>(o, Site("RMSprop", "RMSprop", loc))) {}

}  // namespace tenet
