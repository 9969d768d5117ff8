#pragma once
// Tensor::backward with a hook (core/ops/backward.cpp). Internal: the data-parallel fit starts
// summing a variable's gradient across ranks while the backward pass goes on.
#include <functional>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet {

// root.backward(), calling `on_final(leaf)` as soon as a leaf's .grad() is final: once the last
// op that reads the leaf (in the backward order) has run, or was skipped for lack of gradient.
// Leaves come in an order fixed by the graph: the same for the same graph.
void backward_with_hook(const Tensor& root, const std::function<void(const Tensor&)>& on_final);

}  // namespace tenet
