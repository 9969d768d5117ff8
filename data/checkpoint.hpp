#pragma once
// Checkpoints (internal to data/): the WeightsFormat behind Model::save_weights / load_weights
// (core/training/weights_format.hpp) writes and reads Keras 3's
// `.weights.h5` layout, which Keras itself produces for model.save_weights("m.weights.h5"):
//
//   /                          attrs tenet_version, model_name (tenet's; Keras writes none)
//   /layers/<group>/vars       attr name = the layer's own name; datasets 0, 1, ... (float32)
//   /optimizer/vars            attr name = "adam" | "sgd"; 0 iteration (int64, scalar),
//                              1 learning_rate (float32, scalar), then the slots of each
//                              trainable variable in turn (Adam: momentum, velocity)
//   /vars                      attr name = the model's name; empty
//
// <group> is the layer's class in snake case with a counter per class *within the model*
// (conv2d, conv2d_1, batch_normalization, input_layer, ...), never the layer's own name,
// which is not reproducible between two builds of the same model.
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/graph/layer.hpp>
#include "core/training/weights_format.hpp"
#include "data/hdf5_common.hpp"

namespace tenet::data::detail {

struct LayerGroup {
  std::string group;  // "conv2d_1": the group under layers/
  std::shared_ptr<LayerImpl> layer;
};
// The groups of the model's layers, in graph order.
std::vector<LayerGroup> layer_groups(const ModelVariables& s);

// Input layers hold no variables; Keras writes their groups for functional models but not for
// Sequential ones, so a load accepts them missing or extra.
bool is_input_group(const std::string& group);

// The compiled optimizer, or nullptr when the model is not compiled.
OptimizerImpl* model_optimizer(const ModelVariables& s);
// Slots per variable of an optimizer (SGD 0 or 1, Adam 2), leaving its state as it was.
std::size_t optimizer_slot_count(OptimizerImpl& opt);
// The attribute of optimizer/vars holding the learning rate exactly ("%.17g"): Keras's own
// variable there is float32. Keras ignores the attribute; tenet prefers it when it rounds to
// the float32 variable (so a file whose variable was changed by another tool keeps that change).
inline constexpr const char* kExactLearningRate = "tenet_learning_rate";

// Keras's name of the optimizer in the file: "adam", "sgd".
std::string keras_optimizer_name(const OptimizerImpl& opt);
// The (variable, slot) pairs in the order Keras stores an optimizer's slots in a weights file.
std::vector<std::pair<std::size_t, std::size_t>> slot_file_order(const OptimizerImpl& opt,
                                                                  std::size_t variables);

// Refuse values no training run produces, with data.format naming `path`, the variable and the
// first bad value (checkpoint_values.cpp). Layers: NaN or infinite weights, and negative values
// in a variable the layer declares never negative (BatchNorm's moving_variance). Optimizer (`values`
// as in the file: iteration, learning_rate, slots; `variable_names` names the trainable
// variable each group of slots belongs to): an iteration count outside 0..2^53, a learning
// rate that is not finite and > 0, NaN or infinite slots, a negative Adam velocity.
void check_layer_values(const std::string& path, const std::string& group,
                        const LayerImpl& layer, const std::vector<Tensor>& values);
void check_optimizer_values(const std::string& path, const OptimizerImpl& opt,
                            const std::vector<Tensor>& values,
                            const std::vector<std::string>& variable_names);

// Keras's .weights.h5 through libhdf5 (checkpoint.cpp: save; checkpoint_load.cpp: load).
void save_keras_weights(const ModelVariables& m, const std::string& path);
std::vector<std::string> load_keras_weights(const ModelVariables& m, const std::string& path,
                                            const WeightsLoadOptions& options);

}  // namespace tenet::data::detail
