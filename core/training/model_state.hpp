#pragma once
// Model's internal state, shared by core/model*.cpp and data/checkpoint.cpp. Not public API.
#include <atomic>
#include <map>
#include <unordered_map>
#include <set>
#include <vector>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/thread_governor.hpp"
#include "core/base/user_call.hpp"
#include <tenet/core/training/model.hpp>
#include "core/graph/symbolic_node.hpp"
#include "core/training/fusion.hpp"

namespace tenet {

namespace distributed {
class Replicas;
}

struct Model::State {
  std::string name;
  Site site;
  std::vector<SymbolicTensor> inputs, outputs;
  std::vector<std::shared_ptr<SymbolicNode>> nodes;       // topological order
  std::vector<std::shared_ptr<LayerImpl>> layers;         // distinct, Keras's order (keras_layer_order)
  // Looked up on every layer call of every step and predict: hashed, as a std::map walked
  // several scattered nodes per lookup, each one a cache miss after the kernels ran.
  std::unordered_map<const SymbolicNode*, checks::CallContext> contexts;  // per call, for run-time errors
  std::unordered_map<const SymbolicNode*, std::size_t> input_index;  // Input node -> position
  // The run order: the nodes, with fused nodes in place of the chains the fusion pass found.
  std::vector<fusion::Step> steps;
  CompileOptions compiled;
  bool is_compiled = false;
  // The variables fit updates, fixed by compile from the layers' trainable flags (Keras reads
  // them at compile too: a flag changed later counts from the next compile).
  std::vector<Tensor> compiled_trainable;
  bool sequential = false;  // Keras writes no input_layer group for Sequential models
  History history;
  std::atomic<bool> training{false};  // a fit or train_on_batch is running (TrainingGuard)
  // The thread count of each training step, predict batch and evaluate batch
  // (core/base/thread_governor.hpp): per Model, as step times are the Model's own, and per
  // kind of step (an evaluate batch also computes the loss and metrics, so its time per sample
  // is not a predict batch's).
  runtime::ThreadGovernors train_threads, predict_threads, evaluate_threads;
  distributed::Replicas* replicas = nullptr;  // during a data-parallel fit (distributed.cpp)
};

namespace detail {
// The only friend of Model: its .cpp files and data/checkpoint reach the state through it.
struct ModelAccess {
  static const std::shared_ptr<Model::State>& state(const Model& m) { return m.s_; }
};
}  // namespace detail
// A model's internal state (what Model::state() returned before it left the public API).
inline const std::shared_ptr<Model::State>& model_state(const Model& m) {
  return detail::ModelAccess::state(m);
}
// The distinct layers of the graph ending at `outputs` in Keras's order (model.layers, and the
// numbering of weights-file groups): deepest first, ties in first-visit order of a depth-first
// walk from the outputs (core/training/model_order.cpp).
std::vector<std::shared_ptr<LayerImpl>> keras_layer_order(const std::vector<SymbolicTensor>& outputs);

// Held by fit, train_on_batch and compile for their duration: a second one while another runs
// (from a callback, or from another thread) raises model.compile instead of rewriting the
// weights, optimizer slots and History the running call holds. `call` is "fit", ...
class TrainingGuard {
 public:
  TrainingGuard(Model::State& s, const char* call);
  ~TrainingGuard() { s_.training.store(false); }
  TrainingGuard(const TrainingGuard&) = delete;
  TrainingGuard& operator=(const TrainingGuard&) = delete;

 private:
  Model::State& s_;
};

// core/training/model_trainable.cpp: model.compile when a layer's trainable flag changed since
// compile (`call`: "fit", "save_weights", ...); nothing for an uncompiled model.
void check_trainable_since_compile(const Model::State& s, const std::string& call);
// At compile: `opt`'s slots follow the variables `after`, keeping those of the variables in
// `before` (the previous compile's) and zeros for the others; nothing before the first step.
void carry_slots(OptimizerImpl& opt, const std::vector<Tensor>& before,
                 const std::vector<Tensor>& after);

// core/training/model_options.cpp: what fit / evaluate / predict / *_on_batch check before any data.
// The `where` of a call's errors: "'classifier.fit' (Model)".
Site call_site(const Model::State& s, const std::string& call);
// options.invalid for every option outside its range (named, with its value and range).
void check_compile_options(const CompileOptions& o, const Site& where);
void check_fit_options(const FitOptions& o, const Site& where);
// model.compile for a model with several outputs (one loss, one label array).
void check_single_output(const Model::State& s);
void check_evaluate_options(const EvaluateOptions& o, const Site& where);
void check_predict_options(const PredictOptions& o, const Site& where);
// options.invalid for an empty Tensor among the arrays (named "fit's x[1]", "fit's y").
void check_handles(const std::vector<Tensor>& x, const Tensor* y, const std::string& call,
                   const Site& where);
// batch.empty when the arrays hold no sample.
void check_samples(const std::vector<Tensor>& x, const std::string& call, const Site& where);
// "training step 3, epoch 1, batch 3 of the epoch (...)": fit's step, as numerics errors name it.
std::string training_step_name(std::int64_t step, int epoch, std::int64_t index);
// batch.empty when fit's training or validation source has 0 batches per epoch.
void check_batch_counts(const BatchReader& train, const BatchReader* validation,
                        const Site& where);
// A training epoch that yielded no batch (a generator): batch.empty on the first epoch; after
// it, training ends as in Keras ("ran out of data"), the reason in h.stop_reason.
void end_on_empty_epoch(int epoch, int first_epoch, History& h, const Site& where);

// core/training/model_range.cpp: input.range for the first batch of fit (each Input's values
// against the Rescaling, BatchNormalization or computing layer that first receives them).
void check_input_ranges(const Model::State& s, const std::vector<Tensor>& x, WarningMode mode);

}  // namespace tenet
