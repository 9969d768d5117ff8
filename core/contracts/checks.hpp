#pragma once
// core/contracts/checks.hpp: the Violation builder every contract error is raised through, the
// call context that lets a check name its inputs, and the named checks shared by ops, layers and
// models (shapes, axes, dtypes, options, sizes, single tensors). The message text is rendered in
// one format by core/base/error.cpp (render).
//
// The contract checks live in core/contracts, one file per subject: this header's checks
// (checks.cpp, options.cpp, sizes.cpp, tensor_checks.cpp, merge_checks.cpp for concat,
// batches.cpp), and the internal headers layer_checks.hpp (conv.*, dense.*, batchnorm.features,
// elementwise.shape of merge layers, layer.input_*), input_checks.hpp (input.*, batch.mismatch
// of a model's arrays), label_checks.hpp (loss.label_*, batch.mismatch of predictions and
// labels), graph_checks.hpp (model.graph), training_checks.hpp (model.compile, history.key),
// op_checks.hpp (reshape.axis of transpose, stack, matmul.shape, autograd.backward,
// numerics.nonfinite), image_checks.hpp (resize, crop and pad, an image folder's sizes),
// dataset_checks.hpp (a Dataset's arrays and batches), checkpoint_checks.hpp, format_checks.hpp
// (data.format, IDX) and enum_checks.hpp (an enum value no enumerator). Causes read facts: LayerFacts
// (facts.hpp) that layers expose, the call context, the data's values; never type names or
// describe() text. Nothing outside core/contracts constructs a Violation
// (`grep -rn "Violation(" core layers losses data tools`); the architecture test keeps it so.
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/error.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/contracts/facts.hpp>

namespace tenet::checks {

// Facts about the layer call being checked, set by LayerImpl::call (and Model at run time) so
// that every contract error raised inside a shape rule names its inputs and shows where their
// sizes came from, without the shape rule passing them around.
// Where an input's height and width were last changed upstream (symbolic calls, rank 4):
// the layer that set them, in one sentence, and the size a "same" padding there would keep.
struct SizeOrigin {
  std::string layer;            // "conv2d_1"; empty when unknown
  std::string sentence;         // "'conv2d_1' applies a 5x5 kernel with padding \"valid\" to 32x32, giving 28x28"
  bool valid_conv = false;      // a stride-1 Conv2D with padding "valid"
  std::int64_t same_h = -1, same_w = -1;  // its output size with padding "same"
  LayerFacts facts;             // that layer's facts (its window, if any)
};
struct CallContext {
  std::vector<std::string> input_desc;  // "'conv2d_1' (Conv2D) output (None, 28, 28, 64)"
  std::vector<std::string> provenance;  // upstream layers with their output shapes
  std::vector<SizeOrigin> origins;      // per input, filled for symbolic calls
  std::vector<LayerFacts> producers;    // per input, the facts of the layer that made it
  std::vector<std::string> producer_names;  // per input, that layer's name ("conv2d_1")
  // While fit checks its validation data, its name ("FitOptions::validation_data"): every
  // summary raised in the scope starts with it, and fixes change only that data (fix_for_data).
  std::string validation;
};
class ScopedCallContext {
 public:
  explicit ScopedCallContext(CallContext ctx);
  explicit ScopedCallContext(const CallContext* ctx);  // not copied: must outlive the scope
  ~ScopedCallContext();
  ScopedCallContext(const ScopedCallContext&) = delete;
  ScopedCallContext& operator=(const ScopedCallContext&) = delete;

 private:
  const CallContext* previous_;
  CallContext owned_;
};
const CallContext* current_call_context();
// Input i's description from the current context, or "input i".
std::string input_desc(std::size_t i);
// Input i's size origin from the current context (empty fields when unknown).
SizeOrigin input_origin(std::size_t i);
// The facts of the layer that produced input i (default facts when unknown).
LayerFacts input_producer(std::size_t i);
// The validation data the current context names (CallContext::validation), or "".
const std::string& validation_data();
// `fix`; for validation data `data_fix`, its part that changes the data, said of that data:
// the model fits its training data, so changing it or its loss is no fix (batches.cpp).
std::string fix_for_data(const std::string& fix, const std::string& data_fix);

// Builds a ContractError fact by fact, then raises it.
class Violation {
 public:
  Violation(std::string code, Phase phase, Site where);
  Violation& summary(std::string text);
  Violation& expected(const Shape& s);
  Violation& expected(std::string text);
  Violation& actual(const Shape& s);
  Violation& actual(std::string text);
  Violation& mark(std::vector<int> axes);
  Violation& mark_differences(const Shape& expected, const Shape& actual);
  // Axes to mark under `expected` when it has another rank than `actual`.
  Violation& mark_expected(std::vector<int> axes);
  Violation& provenance(std::vector<std::string> lines);
  Violation& cause(std::string text);
  Violation& fix(std::string text);
  Violation& operands(std::vector<Shape> shapes);
  [[noreturn]] void raise() const;
  const ContractInfo& info() const { return info_; }

 private:
  ContractInfo info_;
};

// Axes where two shapes of equal rank differ (unknown dims match anything).
std::vector<int> differing_axes(const Shape& expected, const Shape& actual);
// "height (axis 1) and width (axis 2)": axes named for a tensor of rank `rank`.
std::string join_axes(const std::vector<int>& axes, int rank);
// Keras name of an axis of an image-like tensor, e.g. "height" for axis 1 of rank 4.
std::string axis_name(int axis, int rank);

// ---- checks shared by ops and layers ----

// NumPy broadcasting of two shapes, or elementwise.shape naming the axes that disagree.
Shape broadcast_shapes(const Shape& a, const Shape& b, const Site& where, Phase phase);

// Concatenation: equal ranks (concat.rank), a valid axis (concat.axis), and equal sizes on
// every axis but `axis` (concat.shape). Returns the output shape. `inputs_desc[i]` names
// input i (its producer) for the message; `provenance` is shown as is.
Shape concat_shape(const std::vector<Shape>& shapes, int axis, const Site& where, Phase phase,
                   const std::vector<std::string>& inputs_desc = {},
                   const std::vector<std::string>& provenance = {});

// Stacking samples into a batch: all shapes equal, else batch.ragged naming the first outlier.
void check_stackable(const std::vector<Shape>& shapes, const Site& where, Phase phase);

// A reshape must keep the element count.
void check_reshape(const Shape& from, const Shape& to, const Site& where);

// An axis argument within [-rank, rank). `new_axis`: `rank` counts an axis the op inserts
// (expand_dims, stack), so the message speaks of the result's axes.
int check_axis(int axis, int rank, const std::string& code, const Site& where, Phase phase,
               bool new_axis = false);

// Two tensors compared element-wise must have the same shape (compare.shape).
void check_compare(const Shape& a, const Shape& b, const Site& where);

// A rank check: raises `code` with the given cause and fix when actual.rank() != rank.
void check_rank(const Shape& actual, int rank, const std::string& code, const Site& where,
                Phase phase, const std::string& expected_text, const std::string& cause,
                const std::string& fix);

// A dimension check: actual[axis] must equal `want` (when both are known).
void check_dim(const Shape& actual, int axis, std::int64_t want, const std::string& code,
               const Site& where, Phase phase, const Shape& expected_shape,
               const std::string& cause, const std::string& fix);

// A dtype check.
void check_dtype(DType actual, DType want, const std::string& code, const Site& where,
                 Phase phase, const std::string& cause, const std::string& fix);

// ---- options.invalid: an option or argument outside its valid range, or an empty handle ----

// Raises options.invalid: `option` ("FitOptions::batch_size") holds `value` ("0"), which is
// outside `valid` ("an integer >= 1"). `cause` and `fix` are optional; when empty, the message
// says what the option does not accept and that a value in the valid range is needed.
[[noreturn]] void invalid_option(const std::string& option, const std::string& value,
                                 const std::string& valid, const Site& where, Phase phase,
                                 const std::string& cause = {}, const std::string& fix = {});

// An integer option within [lo, hi].
void check_option_range(const std::string& option, std::int64_t value, std::int64_t lo,
                        std::int64_t hi, const Site& where, Phase phase);
// A real option that must be finite and within [lo, hi) (or [lo, hi] when hi_inclusive); NaN
// and infinities are always refused. `cause`, when given, explains a finite value out of range
// (what the option does, and what such a value would do).
void check_option_real(const std::string& option, double value, double lo, double hi,
                       bool hi_inclusive, const Site& where, Phase phase,
                       const std::string& cause = {});
// An empty handle (a default-constructed Tensor, SymbolicTensor, Layer, ...) passed as
// `argument` ("the first input of Model", "fit's x"): the user's mistake, never an internal error.
[[noreturn]] void empty_handle(const std::string& argument, const std::string& type,
                               const Site& where, Phase phase);
// A real option that must be finite and strictly above `lo` (a learning rate, an epsilon).
void check_option_above(const std::string& option, double value, double lo, const Site& where,
                        Phase phase, const std::string& cause = {});
// An integer option that must be >= 1 (units, filters, a window or a batch size). `meaning`
// says what the option counts ("the number of outputs"), for the cause.
void check_option_positive(const std::string& option, std::int64_t value,
                           const std::string& meaning, const Site& where, Phase phase);
// batch.empty for a whole call: `call` ("fit", "train_on_batch") would run on zero samples and
// could only report meaningless numbers (or move weights with optimizer momentum alone).
// `cause` says where the zero came from.
[[noreturn]] void no_samples(const std::string& call, const std::string& cause,
                             const std::string& fix, const Site& where);

// A real option that must be finite (any sign): a scale, an offset.
void check_option_finite(const std::string& option, double value, const Site& where, Phase phase);
// A real option's value as messages print it: "0.25", "NaN", "inf".
std::string option_value(double value);

// ---- callback.filepath ----

// A checkpoint path template names a log key that the logs do not hold: the template, the key
// and the keys available (epoch and the logs'), with a cause that fits the case (val_ keys
// without validation data, or a metric not compiled).
[[noreturn]] void missing_log_key(const std::string& pattern, const std::string& key,
                                  const std::map<std::string, double>& logs, const Site& where);

// ---- reading and making single tensors (core/contracts/tensor_checks.cpp) ----

// tensor.item: item() reads the one element of a tensor of `shape`.
void check_item(const Shape& shape);
// tensor.index: at(index) needs one coordinate per axis of `shape`, each in [0, size).
void check_index(const Shape& shape, const std::vector<std::int64_t>& index);
// reshape.size: reshape(x of `from`) to `target`, whose axis `bad` is negative after inferring
// the -1 at axis `infer` (-1: none) from the other sizes' product `known`.
[[noreturn]] void reshape_target(const Shape& from, const Shape& target, int bad, int infer,
                                 std::int64_t known);
// reshape.size: squeeze removes axis `axis` of `shape` only when its size is 1.
void check_squeeze(const Shape& shape, int axis);
// tensor.index: rows picked along axis 0 of `shape` must exist.
void check_rows(const Shape& shape, const std::vector<std::int64_t>& rows, const Site& where);
// input.dtype: `what` ("relu computes in floating point") refuses the integer dtype `got`.
void check_floating(DType got, const std::string& what, const Site& where);
// reshape.size: `count` values given for a tensor of `shape`.
void check_value_count(std::size_t count, const Shape& shape);

}  // namespace tenet::checks

// ---- sizes and handles (core/contracts/sizes.cpp) ----
namespace tenet {
class Tensor;
class SymbolicTensor;
}  // namespace tenet
namespace tenet::checks {

// "1st", "2nd", "3rd", "4th", ... for argument i (0-based): "the 2nd input of Model".
std::string ordinal(std::size_t i);
// A dimension of a concrete shape must be known and >= 0 (tensor.shape, naming the axis and
// its value: -5 is refused as negative, kUnknown as None).
void check_concrete(const Shape& shape, const Site& where, Phase phase);
// Every element and byte count of a user-given shape goes through these. The element count
// must fit a signed 64-bit count and its bytes (count x dtype size) the largest object a
// 64-bit process can address (PTRDIFF_MAX); else options.invalid naming the shape and the
// count it would need. checked_numel needs a concrete shape (check_concrete).
std::int64_t checked_numel(const Shape& shape, const Site& where, Phase phase,
                           DType dtype = DType::f32);
// The same for a symbolic shape: the product of its known dimensions (None axes skipped).
std::int64_t checked_known_numel(const Shape& shape, const Site& where, Phase phase,
                                 DType dtype = DType::f32);
// a + b for sizes (concatenated axes), options.invalid when the sum overflows.
std::int64_t checked_size_sum(std::int64_t a, std::int64_t b, const Shape& shape,
                              const Site& where, Phase phase);
// The bytes of a tensor of `shape` and `dtype` about to be allocated: checked_numel, then
// options.invalid when they exceed this machine's physical memory (a size no allocation can
// satisfy: Tensor::zeros({1LL << 40}), Dense(1000000000000)).
std::size_t checked_bytes(const Shape& shape, DType dtype, const Site& where, Phase phase);
// True when checked_bytes would pass: the allocation fast path, which builds no Site.
bool fits_in_memory(const Shape& shape, DType dtype);
// An allocation of a plausible size failed (the machine is out of memory right now): a
// tenet::Error (not a contract) naming the shape and the bytes.
[[noreturn]] void out_of_memory(const Shape& shape, DType dtype, std::size_t bytes,
                                const Site& where);
// Empty handles: returns `handle` (a Tensor or SymbolicTensor) when it holds a value, else
// empty_handle(argument, ...). `argument` is a string, or a callable returning one: composed
// names ("the 2nd input of 'dense'") are then built only on failure, never on the hot path.
const char* handle_type(const Tensor&);          // "Tensor"
const char* handle_type(const SymbolicTensor&);  // "SymbolicTensor"
template <class Arg>
std::string argument_text(Arg&& argument) {
  if constexpr (std::is_invocable_v<Arg>) return argument();
  else return std::string(argument);
}
template <class Handle, class Arg>
const Handle& defined(const Handle& handle, Arg&& argument, const Site& where,
                      Phase phase = Phase::run) {
  if (!handle.defined())
    empty_handle(argument_text(std::forward<Arg>(argument)), handle_type(handle), where, phase);
  return handle;
}

// Batches of `batch` (>= 1) samples needed to cover `n` (>= 0): ceil(n / batch) without the
// n + batch - 1 that overflows for a batch size near INT64_MAX.
std::int64_t batch_count(std::int64_t n, std::int64_t batch);

// True when `value` is a value of dtype `to`: for an integer dtype, once truncated toward zero
// (converting NaN or 1e20 to int64 is undefined behaviour); for float32, NaN, an infinity or a
// finite number within its range (1e300 would silently become +inf); float64 holds any double.
bool fits_dtype(double value, DType to);
// Raises `code` for `what` ("the fill value", "element 3 of astype's input") = `value`, which
// the dtype `to` cannot hold (fits_dtype was false).
[[noreturn]] void not_representable(const std::string& code, const std::string& what,
                                    double value, DType to, const Site& where, Phase phase);

// reduce.axis when axis `axis` (counted from 0) of `shape` has size 0: `op` ("max",
// "argmax") picks one element along it, and an empty axis has none to pick.
void check_nonempty_axis(const Shape& shape, int axis, const std::string& op, const Site& where,
                         Phase phase);

// model.unsupported (phase load): the Keras model file `file` describes something tenet cannot
// represent exactly. `subject` says what ("layer 'conv2d' (Conv2D)", "the optimizer (Adam)"),
// `where` names it as a Site, `option` is the config key ("class_name" for a layer class
// tenet lacks), `value` its value as the file spells it, `supported` what tenet accepts there.
// Nothing is ever approximated.
[[noreturn]] void model_unsupported(const std::string& file, const Site& where,
                                    const std::string& subject, const std::string& option,
                                    const std::string& value, const std::string& supported);
// model.unsupported: a Sequential in `file` saved before it was built, with no InputLayer and
// no build_input_shape; `first_layer` ("'dense' (Dense)", or "" for none) is its first layer.
[[noreturn]] void model_without_input_shape(const std::string& file, const std::string& first_layer);
// model.unsupported when saving a model as a Keras file: layer `layer` of type `type` (a user's
// own LayerImpl) has no Keras class, so Keras could not load the file.
[[noreturn]] void model_not_keras(const std::string& layer, const std::string& type);

}  // namespace tenet::checks

// ---- batches while data flows (core/contracts/batches.cpp) ----
namespace tenet::checks {

// The sentence a batch.mismatch adds about resizing, read from the shapes involved: when one of
// them is an image batch (rank 4), " Resizing images cannot fix this: it changes height and
// width, not the number of samples."; else "" (a model without images gets no such advice).
std::string sample_count_note(const std::vector<Shape>& shapes);

// The facts of an empty batch met in a Dataset's stream of batches.
struct EmptyBatch {
  std::string source;                // "from_generator", "from_tensors" or "map"
  std::int64_t index = 0;            // the batch's position in its epoch, counted from 0
  std::int64_t samples_before = -1;  // for "map": the samples of the batch it was given
  Shape shape;                       // the empty input 0
};
// batch.empty for that batch: the first batch of an epoch, one in the middle of an epoch (which
// std::nullopt would not fix: it would end the epoch and drop the batches after it), or one a
// map function emptied, each with its own cause and fix.
[[noreturn]] void empty_batch(const EmptyBatch& facts, const Site& where);

// How every message names a batch of an epoch (fit, evaluate, predict, check_data, Dataset,
// generators, map, numerics): counted from 1 as Keras's progress bar counts, with the 0-based
// index a generator's Batch::index holds: "batch 3 of the epoch (counting from 1; index 2)".
std::string batch_name(std::int64_t index);

// ---- the size of a model read from a file (core/contracts/checks.cpp) ----

// While a reader builds a model from `file` (data/keras), the weights of its layers are counted
// before they are allocated: a file can describe a model no machine could hold, and reading
// must stop before allocating it. Beyond `limit` parameters, model.unsupported (phase load)
// names the file, the limit, the count reached and the layer.
class ScopedWeightBudget {
 public:
  ScopedWeightBudget(std::string file, std::int64_t limit);
  ~ScopedWeightBudget();
  ScopedWeightBudget(const ScopedWeightBudget&) = delete;
  ScopedWeightBudget& operator=(const ScopedWeightBudget&) = delete;

  std::string file;
  std::int64_t limit, used = 0;

 private:
  ScopedWeightBudget* previous_;
};
// Counts the parameters of a weight of shape `weight` that layer `layer` (its Site) is about
// to allocate against the innermost budget on this thread; nothing when no reader opened one.
void charge_weights(const Shape& weight, const Site& layer);

}  // namespace tenet::checks

// ---- options the float32 update rules use (core/contracts/options.cpp) ----
namespace tenet::checks {

// True when float32 holds `value` without turning it into inf or (a non-zero value) into 0:
// 0, or a magnitude from 1.2e-38 (float32's smallest normal: denormals are flushed to 0 while
// tenet computes) to 3.4e+38. NaN is false.
bool fits_float32(double value);
// What computes with a real option in float32, for check_option_float32's message: by default
// an optimizer's update ("the update computes in float32, where it becomes inf and turns the
// weights into inf or NaN"); a layer says what it does with the value instead.
struct Float32Use {
  std::string computes = "the update";  // "<computes> computes in float32"
  std::string if_inf = "it becomes inf and turns the weights into inf or NaN";
  std::string if_zero = "it becomes 0";
  std::string usual = "1e-8 to 1e-1";   // usual values, suggested for a value below float32's
};
// A real option already within its own range (a learning rate, an epsilon, a weight decay, a
// scale) that float32 arithmetic uses: options.invalid when fits_float32 is false. Above
// 3.4e+38 it would be inf; a value > 0 below 1.4e-45 would be 0 (a rate that never moves the
// weights, an epsilon that lets 0 / 0 make NaN). `role` says what it does.
void check_option_float32(const std::string& option, double value, const std::string& role,
                          const Site& where, Phase phase, const Float32Use& use = {});

// ---- data-parallel fit (core/training/distributed*.cpp, docs/distributed.md) ----
// distribution.unavailable: FitOptions::distribution in a build without MPI.
[[noreturn]] void distribution_unavailable(const Site& where);
// distribution.mismatch: the ranks disagree on `subject` ("models": `models` true, "batch
// counts"); `per_rank[r]` is rank r's value.
[[noreturn]] void distribution_mismatch(const std::string& subject, bool models,
                                        const std::vector<std::string>& per_rank,
                                        const std::string& fix, const Site& where);
// distribution.peer: this rank waited `seconds` at `at` (timed_out), or MPI reported `detail`.
[[noreturn]] void distribution_peer(const std::string& at, bool timed_out, double seconds,
                                    const std::string& detail, int rank, int size,
                                    const Site& where);
// The error one rank raised, raised on every rank: the same code and facts, the summary
// naming the rank and the batch (`at`).
[[noreturn]] void replica_failed(ContractInfo info, int rank, int size, const std::string& at);
// distribution.rank_failed: another rank stopped on an error that is not a contract error
// (`internal`: an InternalError of tenet).
[[noreturn]] void rank_failed(const std::string& what, bool internal, int rank, int size,
                              const std::string& at, const Site& where);

}  // namespace tenet::checks
