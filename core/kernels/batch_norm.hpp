#pragma once
// Batch normalisation on oneDNN primitives, in tenet's terms. Images x (N, H, W, C) are read as
// they lie (row-major, or the blocked layout of the oneDNN layer before) and y keeps that
// layout; any other rank is M rows of C features. Statistics, gamma and beta are (C,).
#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernels/plan_cache.hpp"
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::kernels {

struct NormPlan;  // the primitives of one input shape, layout and mode (batch_norm.cpp)
using NormPlans = PlanCache<NormPlan>;

struct NormMode {
  std::int64_t features = 0;  // C
  double epsilon = 0;         // added to the variance
  bool training = false;      // batch statistics (computed) instead of the given ones
  bool relu = false;          // a ReLU fused after the normalisation
};

// The plan for x (its shape and layout) in mode `m`, from `cache`, built on first use; one
// cache serves one layer (its epsilon is not part of the key).
std::shared_ptr<const NormPlan> batch_norm_plan(NormPlans& cache, const Tensor& x,
                                                const NormMode& m);

// The tensors one call reads and writes: mean and variance (C,) are outputs in training mode
// and inputs otherwise; `workspace` receives the fused ReLU's mask, for backward.
struct NormState {
  Tensor gamma, beta, mean, variance, workspace;
};

// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta (then max(y, 0) with a fused
// ReLU), in x's layout.
Tensor batch_norm_forward(const NormPlan& p, const Tensor& x, NormState& s);

// {dx, dgamma, dbeta} from dout and the forward's x and state (x and dout in whatever layout
// they lie; dx comes back in the forward's layout).
std::vector<Tensor> batch_norm_backward(const NormPlan& p, const Tensor& x, const Tensor& dout,
                                        const NormState& s);

// For BatchNorm with statistics over several ranks' batches (layers/batch_norm.cpp):
// x's own batch statistics, mean and biased variance (C,), without normalising x.
void batch_norm_statistics(NormPlans& cache, const Tensor& x, const NormMode& m, Tensor& mean,
                           Tensor& variance);
// dx += scale * (x - s.mean) / sqrt(s.variance + epsilon) + shift, per channel (C,), where dx
// lies in the layout the plan of x (mode m, given statistics) gives its outputs.
void batch_norm_add_normalized(NormPlans& cache, const Tensor& x, const NormMode& m,
                               const NormState& s, const Tensor& scale, const Tensor& shift,
                               Tensor& dx);

}  // namespace tenet::kernels
