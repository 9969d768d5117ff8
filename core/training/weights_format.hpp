#pragma once
// The file format behind Model::save_weights and load_weights. core owns this interface and
// forwards the two calls through it (core/training/model_weights.cpp); data/ implements it for
// Keras 3's `.weights.h5` layout (data/checkpoint.cpp) and installs it from data/weights.hpp,
// which tenet.hpp includes. So core declares nothing that data/ defines.
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/training/model.hpp>

namespace tenet {

// What a weights file holds of a model, and what errors name.
struct ModelVariables {
  std::string name;  // the model's
  Site site;         // where the model was made
  bool sequential = false;
  std::vector<std::shared_ptr<LayerImpl>> layers;  // distinct, graph order, Inputs included
  OptimizerImpl* optimizer = nullptr;               // the compiled optimizer, or null
};

class WeightsFormat {
 public:
  virtual ~WeightsFormat() = default;
  // Writes every variable (and the optimizer's state) to `path`; the variables are finite.
  virtual void save(const ModelVariables& m, const std::string& path) const = 0;
  // Reads `path` into the model's variables; returns what was skipped (skip_mismatch).
  virtual std::vector<std::string> load(const ModelVariables& m, const std::string& path,
                                        const WeightsLoadOptions& options) const = 0;
};

// Makes `format` (which lives as long as the program) the one Model uses; returns true.
bool install_weights_format(const WeightsFormat& format);

}  // namespace tenet
