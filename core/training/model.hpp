#pragma once
// Model: a graph of layer calls from Inputs to outputs (the functional API), with Keras's
// comforts: summary(), to_dot(), compile(), fit() with a progress bar and callbacks,
// evaluate(), predict(), and weights saved to HDF5 in Keras's layout.
#include <map>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include <tenet/core/training/callbacks.hpp>
#include <tenet/core/training/distribution.hpp>
#include <tenet/core/graph/layer.hpp>
#include <tenet/core/graph/loss.hpp>
#include <tenet/core/training/metric.hpp>
#include <tenet/core/training/optimizer.hpp>

namespace tenet {

namespace detail {
struct ModelAccess;
}

class MetricTally;

struct CompileOptions {
  Optimizer optimizer;
  Loss loss;
  std::vector<Metric> metrics;
};

// Validation arrays: one tensor per model input, and the labels.
struct ValidationData {
  std::vector<Tensor> x;
  Tensor y;
};

struct FitOptions {
  int epochs = 1;
  std::int64_t batch_size = 32;
  bool shuffle = true;
  std::uint64_t seed = 0;
  double validation_split = 0.0;  // the last fraction of the samples, taken before shuffling
  std::optional<ValidationData> validation_data;
  int verbose = 1;                // 0 silent, 1 progress bar, 2 one line per epoch
  std::vector<Callback> callbacks;
  int initial_epoch = 0;
  // Raise numerics.nonfinite at the first NaN/Inf (input data, variables, layer inputs, op
  // outputs and gradients, the optimizer's update, BatchNorm statistics), for this call only.
  bool check_numerics = false;
  // Warning-level contracts met at the start of fit (input.range: values far from the range
  // the model was built for): printed once to stderr, raised, or off.
  WarningMode warnings = WarningMode::print;
  // Data-parallel training over MPI on every rank of an mpirun job (docs/distributed.md).
  std::optional<MpiDataParallel> distribution;
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  int verbose = 0;
  bool check_numerics = false;  // as FitOptions::check_numerics, for this call only
};

struct PredictOptions {
  std::int64_t batch_size = 32;
};

// One call's (inputs, labels) batches, one epoch at a time: in-memory arrays (ArrayReader,
// core/training/array_source.hpp) or a BatchSource's reader.
class BatchReader {
 public:
  virtual ~BatchReader() = default;
  virtual std::int64_t steps() const = 0;  // batches per epoch, or -1 when unknown
  virtual void start_epoch(int epoch) = 0;
  // Fills the next batch; false at the end of the epoch. `index` is the batch number.
  virtual bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) = 0;
};

class Model;

// What fit, evaluate and predict take besides arrays: a source of batches that gives each call
// its own reader. data::Dataset implements it (data/dataset_reader.cpp).
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // A reader for `call` ("fit", "fit's validation", "evaluate", "predict") on `model`: batches
  // of `batch_size` samples unless the source is batched already, each checked against the
  // model's Inputs (and, but for predict, its labels and loss) as it arrives.
  virtual std::unique_ptr<BatchReader> read(const Model& model, std::int64_t batch_size,
                                            const std::string& call) const = 0;
};

// One row of Model::trace: a layer call's output on one batch, and its weights' gradient.
struct TraceRow {
  std::string layer, type;
  Shape shape;                // the output's shape, batch axis included
  DType dtype = DType::f32;
  // Over the finite elements (all NaN when none is); std: population (NumPy's default, ddof 0).
  double mean = 0, std = 0, min = 0, max = 0;
  double zero_fraction = 0;   // elements exactly 0, as a fraction of all
  std::int64_t nonfinite = 0;  // NaN and Inf elements
  std::optional<double> grad_norm;  // L2 norm of the trainable weights' gradients
};
struct ModelTrace {
  std::vector<TraceRow> rows;  // one per layer call, in graph order, Input layers included
  std::optional<double> loss;  // when labels were given to a compiled model
};

struct WeightsLoadOptions {
  bool skip_mismatch = false;  // load what fits, report what was skipped (in the return value)
};

class Model {
 public:
  Model(std::vector<SymbolicTensor> inputs, SymbolicTensor output, std::string name = "",
        std::source_location loc = std::source_location::current());
  Model(std::vector<SymbolicTensor> inputs, std::vector<SymbolicTensor> outputs,
        std::string name = "", std::source_location loc = std::source_location::current());
  Model(SymbolicTensor input, SymbolicTensor output, std::string name = "",
        std::source_location loc = std::source_location::current());

  const std::string& name() const;
  const std::vector<SymbolicTensor>& inputs() const;
  const std::vector<SymbolicTensor>& outputs() const;
  // Distinct layers in graph order (Input layers included), as in Keras's model.layers.
  std::vector<Layer> layers() const;
  Layer get_layer(const std::string& name) const;
  // All variables in layer order (Keras's model.weights), and the trainable ones.
  std::vector<Tensor> weights() const;
  std::vector<Tensor> trainable_weights() const;
  std::int64_t count_params() const;

  std::string summary_text() const;
  void summary() const;  // prints summary_text() to stdout
  std::string to_dot() const;  // Graphviz, shapes on every edge

  void compile(CompileOptions options, std::source_location loc = std::source_location::current());
  History fit(const std::vector<Tensor>& x, const Tensor& y, FitOptions options = {},
              std::source_location loc = std::source_location::current());
  History fit(const Tensor& x, const Tensor& y, FitOptions options = {},
              std::source_location loc = std::source_location::current());
  History fit(const BatchSource& train, FitOptions options = {},
              const BatchSource* validation = nullptr,
              std::source_location loc = std::source_location::current());
  History fit_source(BatchReader& train, BatchReader* validation, const FitOptions& options,
                     std::source_location loc = std::source_location::current());
  Logs evaluate(const std::vector<Tensor>& x, const Tensor& y, EvaluateOptions options = {},
                std::source_location loc = std::source_location::current());
  Logs evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {},
                std::source_location loc = std::source_location::current());
  Logs evaluate(const BatchSource& source, EvaluateOptions options = {},
                std::source_location loc = std::source_location::current());
  Logs evaluate_source(BatchReader& source, int verbose = 0, std::source_location loc = std::source_location::current());
  // Every public call above takes the user's line (`loc`, defaulted): a contract error raised
  // while it runs names that line ("called at train.cpp:40 (model.fit)").
  // Runs one batch through every layer, each on its own (no fused ReLU), and, given labels of
  // a compiled model, the loss and its gradients (training mode). Changes no weight, optimizer
  // state or BatchNorm statistic. Data checked as by check_data (core/training/model_trace.cpp).
  ModelTrace trace(const std::vector<Tensor>& x, const Tensor& y = Tensor());
  Tensor predict(const std::vector<Tensor>& x, PredictOptions options = {},
                 std::source_location loc = std::source_location::current());
  Tensor predict(const Tensor& x, PredictOptions options = {},
                 std::source_location loc = std::source_location::current());
  Tensor predict(const BatchSource& source, PredictOptions options = {},
                 std::source_location loc = std::source_location::current());
  std::vector<Tensor> predict_outputs(const std::vector<Tensor>& x, PredictOptions options = {},
                                      std::source_location loc = std::source_location::current());
  Logs train_on_batch(const std::vector<Tensor>& x, const Tensor& y,
                      std::source_location loc = std::source_location::current());
  // Times `steps` training steps on (x, y) and returns a table of forward and backward time
  // per layer, plus the rest of the step (loss, optimizer). Weights, optimizer state and
  // BatchNorm statistics are restored afterwards, so profiling does not train the model.
  std::string profile(const std::vector<Tensor>& x, const Tensor& y, int steps = 10,
                      std::source_location loc = std::source_location::current());
  Logs test_on_batch(const std::vector<Tensor>& x, const Tensor& y,
                     std::source_location loc = std::source_location::current());
  // Runs the graph eagerly on one batch (all outputs), recording autograd when training.
  std::vector<Tensor> call(const std::vector<Tensor>& x, CallOptions options = {},
                           std::source_location loc = std::source_location::current());

  // Checks data against the Inputs (input.count, input.rank, input.shape, input.dtype) and
  // the labels against the inputs and the loss (batch.mismatch, loss.*). fit/evaluate run it
  // before the first step; it is public so users can validate data early.
  void check_data(const std::vector<Tensor>& x, const Tensor* y, Phase phase = Phase::run,
                  std::source_location loc = std::source_location::current()) const;

  // Weights in HDF5, Keras 3 `.weights.h5` layout: forwarded to the installed weights format
  // (data/checkpoint.cpp, installed by data/weights.hpp, which tenet.hpp includes).
  void save_weights(const std::string& path,
                    std::source_location loc = std::source_location::current()) const;
  std::vector<std::string> load_weights(const std::string& path, WeightsLoadOptions options = {},
                                        std::source_location loc = std::source_location::current());

  Optimizer optimizer() const;
  // The History of the current or last fit, reachable even when fit ended with an exception.
  const History& history() const;
  bool stop_training = false;  // callbacks set this to end fit after the current epoch

  struct State;  // internal (core/training/model_state.hpp)

 private:
  friend struct detail::ModelAccess;
  std::shared_ptr<State> s_;
  // `epoch`, when given, also counts the batch's predictions into the epoch's metrics.
  Logs train_step(const std::vector<Tensor>& x, const Tensor& y, bool guard_nan,
                  MetricTally* epoch = nullptr);
};

// One element of a Sequential: the Input first, then layers.
struct SequentialItem {
  SequentialItem(SymbolicTensor input) : input(std::move(input)) {}  // NOLINT: implicit
  SequentialItem(Layer layer) : layer(std::move(layer)) {}            // NOLINT: implicit
  SymbolicTensor input;
  Layer layer;
};

// A linear stack of layers: Sequential mlp({Input({784}), Dense(128), Dense(10)}).
class Sequential : public Model {
 public:
  Sequential(std::vector<SequentialItem> items, std::string name = "sequential",
             std::source_location loc = std::source_location::current());
};

}  // namespace tenet
