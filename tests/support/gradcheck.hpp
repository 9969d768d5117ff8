#pragma once
// The one gradient checker every op, layer and loss test uses.
// It projects the output on a fixed random tensor R (loss = sum(f(x) * R)), runs backward, and
// compares each input's gradient with central differences computed in double precision:
//   numeric = (loss(x + eps) - loss(x - eps)) / (2 eps), each loss summed in double.
// Passes when |analytic - numeric| <= atol + rtol * |numeric| for every element.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::testing {

struct GradCheckOptions {
  double eps = 1e-3;   // float32 inputs: 1e-3 keeps rounding error below the tolerance
  double rtol = 2e-2;
  double atol = 2e-3;
  std::uint64_t seed = 99;
};

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

inline double project(const Tensor& y, const Tensor& r) {
  auto vy = y.to_vector<double>(), vr = r.to_vector<double>();
  double s = 0;
  for (std::size_t i = 0; i < vy.size(); ++i) s += vy[i] * vr[i];
  return s;
}

// Checks d(sum(f(inputs) * R))/d(inputs[i]) for every input that requires a gradient, and for
// each extra parameter in `params` (e.g. a layer's weights), which f must read.
inline void check_gradients(const Fn& f, std::vector<Tensor> inputs,
                            std::vector<Tensor> params = {}, GradCheckOptions o = {}) {
  for (auto& t : inputs) t.zero_grad();
  for (auto& t : params) t.zero_grad();
  Tensor y = f(inputs);
  Tensor r = Tensor::uniform(y.shape(), o.seed, -1.0, 1.0).astype(y.dtype());
  (y * r).sum().backward();
  std::vector<Tensor> targets;
  for (auto& t : inputs)
    if (t.requires_grad()) targets.push_back(t);
  for (auto& t : params) targets.push_back(t);
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    Tensor& x = targets[ti];
    REQUIRE_MESSAGE(x.grad().defined(), "no gradient reached target " << ti);
    auto analytic = x.grad().to_vector<double>();
    NoGradGuard no_grad;
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      double before = x.dtype() == DType::f32 ? x.data<float>()[i] : x.data<double>()[i];
      if (x.dtype() == DType::f32) x.data<float>()[i] = static_cast<float>(before + o.eps);
      else x.data<double>()[i] = before + o.eps;
      double up = project(f(inputs), r);
      if (x.dtype() == DType::f32) x.data<float>()[i] = static_cast<float>(before - o.eps);
      else x.data<double>()[i] = before - o.eps;
      double down = project(f(inputs), r);
      if (x.dtype() == DType::f32) x.data<float>()[i] = static_cast<float>(before);
      else x.data<double>()[i] = before;
      double numeric = (up - down) / (2 * o.eps);
      double err = std::abs(analytic[i] - numeric);
      if (err > o.atol + o.rtol * std::abs(numeric)) {
        FAIL_CHECK("gradient mismatch, target " << ti << " element " << i << ": analytic "
                                               << analytic[i] << " vs numeric " << numeric);
        return;
      }
    }
  }
}

}  // namespace tenet::testing
