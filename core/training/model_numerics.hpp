#pragma once
// The model's part of numerics checking (numerics.nonfinite): its variables when a call
// begins, its input batches, and the optimizer's update. Each function does nothing unless
// checking is on for this thread (check_numerics()). Not public API.
#include <string>
#include <vector>

#include "core/training/model_state.hpp"

namespace tenet::numerics {

// Every variable of every layer (BatchNorm's moving statistics included) is finite.
void check_variables(const Model::State& s);
// For save_weights, always (whatever the checking state): every variable and optimizer slot is
// finite, else numerics.nonfinite naming it, and a variable its layer declares never negative
// (BatchNorm's moving_variance) holds no negative value, else options.invalid; both before
// `path` is touched. load_weights refuses such a file, so writing it would replace a loadable
// checkpoint with one that can never be loaded.
void check_saved_variables(const Model::State& s, const std::string& path);
// The inputs and floating labels are finite; else names the input and where the first
// NaN/Inf lies. batch_index < 0: `x` and `y` are the arrays the user gave, whose rows are the
// samples, checked whole before anything runs; otherwise batch `batch_index` of a Dataset.
void check_inputs(const Model::State& s, const std::vector<Tensor>& x, const Tensor& y,
                  std::int64_t batch_index);
// Runs the optimizer's step on `trainable`. With checking on, verifies the updated variables
// and the optimizer's slots, and undoes the whole update before raising when one is not finite.
void optimizer_step(const Model::State& s, const std::vector<Tensor>& trainable);

}  // namespace tenet::numerics
