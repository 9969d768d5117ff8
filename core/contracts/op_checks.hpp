#pragma once
// The contracts of tensor ops and of the backward pass (internal: core/tensor and core/ops call
// these). Each message is written here once.
//   reshape.axis (transpose), batch.empty (stack), matmul.shape, confusion matrices
//                                                   op_checks.cpp
//   autograd.backward, numerics.nonfinite          autograd_checks.cpp
#include <cstdint>
#include <string>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// reshape.axis: transpose's `perm` must be a permutation of 0..rank-1.
void check_permutation(const std::vector<int>& perm, int rank, const Site& where);
// batch.empty: stack needs at least one tensor (`count` given).
void check_stack_count(std::size_t count, const Site& where);
// matmul.shape: (M, K) x (K, N) or (B, M, K) x (B, K, N) of one floating dtype.
void check_matmul(const Shape& a, DType a_dtype, const Shape& b, DType b_dtype,
                  const Site& where);

// A confusion matrix given to top_confusions or confusion_svg (`what`), of shape `s` and
// `values` (row by row), must be a square (classes, classes) matrix of counts: input.rank for
// another shape; options.invalid for a count that is negative, not whole, NaN, or so large that
// a row's total overflows.
void check_counts(const Shape& s, const std::vector<double>& values, const std::string& what,
                  const Site& where);

// ---- the backward pass (autograd_checks.cpp) ----

// autograd.backward: the backward closure of `op` returned for its input `i` a gradient of
// shape `grad`, which neither equals nor broadcasts to the input's shape `input`.
void check_gradient_shape(const std::string& op, std::size_t i, const Shape& grad,
                          const Shape& input, const Site& where);
// autograd.backward: backward() on a tensor of `shape` without a gradient (`seed` null) needs
// one element; with one, the gradient must have the tensor's shape.
void check_backward_seed(const Shape& shape, const Shape* seed);
// Tensor::set_grad: a gradient must have its tensor's shape and dtype (an optimizer reads as
// many values from it as the tensor holds).
void check_set_grad(const Shape& shape, DType dtype, const Shape& grad, DType grad_dtype);

// numerics.nonfinite: what a scan found in a tensor. The callers (core/tensor/numerics.cpp,
// core/training/model_numerics.cpp) each write their own cause and fix, read from where the
// values came from (an op's inputs, a layer's batch statistics, a weight after a step); this is
// the one builder they share.
struct NonFinite {
  std::string subject;  // "the output of conv2d_1", "variable dense/kernel"
  std::string step;     // "training step 3 of epoch 1"; empty outside fit
  std::int64_t nan = 0, inf = 0, total = 0, first = 0;
  Shape shape;
};
[[noreturn]] void non_finite(const NonFinite& facts, const std::string& cause,
                             const std::string& fix, const Site& where);

}  // namespace tenet::checks
