#include <tenet/core/contracts/checks.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/base/text_escape.hpp"

namespace tenet::checks {

namespace {
thread_local const CallContext* g_context = nullptr;
}

ScopedCallContext::ScopedCallContext(CallContext ctx) : previous_(g_context), owned_(std::move(ctx)) {
  g_context = &owned_;
}
ScopedCallContext::ScopedCallContext(const CallContext* ctx) : previous_(g_context) {
  g_context = ctx;
}
ScopedCallContext::~ScopedCallContext() { g_context = previous_; }
const CallContext* current_call_context() { return g_context; }
std::string input_desc(std::size_t i) {
  if (g_context && i < g_context->input_desc.size()) return g_context->input_desc[i];
  return "input " + std::to_string(i);
}
SizeOrigin input_origin(std::size_t i) {
  if (g_context && i < g_context->origins.size()) return g_context->origins[i];
  return {};
}

LayerFacts input_producer(std::size_t i) {
  if (g_context && i < g_context->producers.size()) return g_context->producers[i];
  return {};
}
const std::string& validation_data() {
  static const std::string none;
  return g_context ? g_context->validation : none;
}

Violation::Violation(std::string code, Phase phase, Site where) {
  info_.code = std::move(code);
  info_.phase = phase;
  info_.where = std::move(where);
  if (g_context) info_.provenance = g_context->provenance;
}
Violation& Violation::summary(std::string t) { info_.summary = std::move(t); return *this; }
Violation& Violation::expected(const Shape& s) { info_.expected = s.str(); return *this; }
Violation& Violation::expected(std::string t) { info_.expected = std::move(t); return *this; }
Violation& Violation::actual(const Shape& s) { info_.actual = s.str(); return *this; }
Violation& Violation::actual(std::string t) { info_.actual = std::move(t); return *this; }
Violation& Violation::mark(std::vector<int> axes) { info_.marked = std::move(axes); return *this; }
Violation& Violation::mark_differences(const Shape& e, const Shape& a) {
  info_.marked = differing_axes(e, a);
  return *this;
}
Violation& Violation::mark_expected(std::vector<int> axes) {
  info_.marked_expected = std::move(axes);
  return *this;
}
Violation& Violation::provenance(std::vector<std::string> lines) {
  if (!lines.empty()) info_.provenance = std::move(lines);
  return *this;
}
Violation& Violation::cause(std::string t) { info_.cause = std::move(t); return *this; }
Violation& Violation::fix(std::string t) { info_.fix = std::move(t); return *this; }
Violation& Violation::operands(std::vector<Shape> s) { info_.operands = std::move(s); return *this; }
void Violation::raise() const {
  if (!g_context || g_context->validation.empty()) throw ContractError(info_);
  ContractInfo info = info_;  // validation data: the summary says which data is at fault
  info.summary = g_context->validation + ": " + info.summary;
  throw ContractError(info);
}

std::vector<int> differing_axes(const Shape& e, const Shape& a) {
  std::vector<int> out;
  if (e.rank() != a.rank()) return out;
  for (int i = 0; i < e.rank(); ++i)
    if (e[i] >= 0 && a[i] >= 0 && e[i] != a[i]) out.push_back(i);
  return out;
}

std::string axis_name(int axis, int rank) {
  if (rank == 4) {
    static const char* names[] = {"batch", "height", "width", "channels"};
    if (axis >= 0 && axis < 4) return names[axis];
  }
  if (rank == 2) {
    static const char* names[] = {"batch", "features"};
    if (axis >= 0 && axis < 2) return names[axis];
  }
  return "axis " + std::to_string(axis);
}

std::string join_axes(const std::vector<int>& axes, int rank) {
  std::string s;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (i) s += i + 1 == axes.size() ? " and " : ", ";
    const std::string name = axis_name(axes[i], rank);  // "height", or "axis 1" itself
    s += name.rfind("axis ", 0) == 0 ? name : name + " (axis " + std::to_string(axes[i]) + ")";
  }
  return s;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const Site& where, Phase phase) {
  int r = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> out(static_cast<std::size_t>(r));
  std::vector<int> bad;
  for (int i = 0; i < r; ++i) {
    int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else if (da < 0 || db < 0) out[i] = da < 0 ? db : da;  // unknown: assume it fits
    else bad.push_back(i);
  }
  if (!bad.empty()) {
    std::vector<int> marks, marks_a;  // the same axes counted in b and in a
    for (int i : bad) marks.push_back(i - (r - b.rank())), marks_a.push_back(i - (r - a.rank()));
    std::string axes;
    for (int i : bad)
      axes += (axes.empty() ? "" : ", ") + std::to_string(i) + " (" +
              dim_str(i - (r - a.rank()) >= 0 ? a[i - (r - a.rank())] : 1) + " vs " +
              dim_str(i - (r - b.rank()) >= 0 ? b[i - (r - b.rank())] : 1) + ")";
    Violation("elementwise.shape", phase, where)
        .summary("the two operands' shapes are neither equal nor broadcastable")
        .expected(a)
        .actual(b)
        .mark(marks)
        .mark_expected(marks_a)
        .operands({a, b})
        .cause((a.rank() == b.rank() ? std::string()
                    : "the operands have " + std::to_string(a.rank()) + " and " +
                          std::to_string(b.rank()) + " axes, so the shorter one lines up with the "
                          "last axes of the other; aligned from the right, ") +
               (bad.size() == 1 ? "axis " + axes + " differs" : "axes " + axes + " differ") +
               " and neither side is 1, so NumPy broadcasting cannot apply")
        .fix("make the sizes on those axes equal (slice, reshape or resize the operand " + b.str() +
             " to " + dim_str(a[marks_a.back()]) +
             " there, or make it for that size), or give that axis size 1 in one operand to "
             "broadcast it")
        .raise();
  }
  return Shape(out);
}

int check_axis(int axis, int rank, const std::string& code, const Site& where, Phase phase,
               bool new_axis) {
  if (axis >= -rank && axis < rank) return axis < 0 ? axis + rank : axis;
  const std::string r = std::to_string(rank);
  // What holds the axes: the tensor itself, or (expand_dims, stack) the result with the new axis.
  // Axis 0 is the batch axis only where a layer sees batches; rank 4 is (N, H, W, C) there.
  const std::string held = new_axis ? "the result has " + r + " axes (the input's " +
                                          std::to_string(rank - 1) + " and the new one)"
                                    : std::string(where.type != "op" ? "each input" : "the tensor") +
                                          " has " + r + " axes";
  const bool layer = where.type != "op";
  const std::string last = std::to_string(rank - 1);
  Violation(code, phase, where)
      .summary("axis " + std::to_string(axis) + " is out of range for rank " + r)
      .expected("an axis in [" + std::to_string(-rank) + ", " + last + "]")
      .actual(std::to_string(axis))
      .cause(axis >= rank ? held + ", counted from 0" + (layer ? " with the batch axis as axis 0" : "") +
                                ", so the last one is " + last +
                                (axis == rank ? "; axis " + r + " counts one past it (as if from 1)" : "")
                          : "negative axes count back from -1 (the last axis), so -" + r +
                                " is the first of the " + r + " axes; " + std::to_string(axis) +
                                " goes past it")
      .fix(axis >= rank ? "use axis " + last + " (or axis -1) for the last axis" +
                              (layer && rank == 4 && !new_axis ? " (channels in (N, H, W, C))" : "")
                        : "use an axis from -1 to -" + r + ", or from 0 to " + last)
      .raise();
}

void check_reshape(const Shape& from, const Shape& to, const Site& where) {
  if (from.numel() == to.numel()) return;
  Violation("reshape.size", Phase::run, where)
      .summary("reshape must keep the number of elements")
      .expected(std::to_string(from.numel()) + " elements, as in " + from.str())
      .actual(std::to_string(to.numel()) + " elements in " + to.str())
      .cause(from.str() + " holds " + std::to_string(from.numel()) + " elements but " + to.str() +
             " holds " + std::to_string(to.numel()))
      .fix("choose a target shape whose dimensions multiply to " + std::to_string(from.numel()))
      .raise();
}

void check_rank(const Shape& actual, int rank, const std::string& code, const Site& where,
                Phase phase, const std::string& expected_text, const std::string& cause,
                const std::string& fix) {
  if (actual.rank() == rank) return;
  Violation(code, phase, where)
      .summary("expected a tensor of rank " + std::to_string(rank) + ", got rank " +
               std::to_string(actual.rank()))
      .expected(expected_text)
      .actual(actual)
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_dim(const Shape& actual, int axis, std::int64_t want, const std::string& code,
               const Site& where, Phase phase, const Shape& expected_shape,
               const std::string& cause, const std::string& fix) {
  std::int64_t got = actual[axis];
  if (got < 0 || want < 0 || got == want) return;
  Violation(code, phase, where)
      .summary(axis_name(axis, actual.rank()) + " (axis " + std::to_string(axis) + ") is " +
               std::to_string(got) + ", expected " + std::to_string(want))
      .expected(expected_shape)
      .actual(actual)
      .mark({axis})
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_dtype(DType actual, DType want, const std::string& code, const Site& where,
                 Phase phase, const std::string& cause, const std::string& fix) {
  if (actual == want) return;
  Violation(code, phase, where)
      .summary(std::string("expected ") + dtype_name(want) + " data, got " + dtype_name(actual))
      .expected(dtype_name(want))
      .actual(dtype_name(actual))
      .cause(cause)
      .fix(fix)
      .raise();
}

void model_unsupported(const std::string& file, const Site& where, const std::string& subject,
                       const std::string& option, const std::string& value,
                       const std::string& supported) {
  const bool is_class = option == "class_name";
  Violation("model.unsupported", Phase::load, where)
      .summary(is_class ? file + ": " + subject + " is a class tenet does not have"
                        : file + ": " + subject + " has " + option + " = " + value +
                              ", which tenet cannot represent exactly")
      .expected(option + ": " + supported)
      .actual(option + ": " + value)
      .cause("tenet builds a model from a Keras file only when every layer and option means "
             "exactly what it means in Keras; it never substitutes a near equivalent")
      .fix(is_class ? "replace it in Keras by one tenet has (docs/keras.md lists them), save "
                      "the model again and reload it"
                    : "set " + option + " to a supported value in Keras, save the model again "
                      "and reload it (docs/keras.md lists what loads)")
      .raise();
}

void model_not_keras(const std::string& layer, const std::string& type) {
  Violation("model.unsupported", Phase::run, Site(layer, type))
      .summary("layer '" + layer + "' (" + type + ") has no Keras class, so the model cannot "
               "be saved as a Keras file")
      .expected("layers of the classes Keras and tenet share (docs/keras.md lists them)")
      .actual("class_name: " + type)
      .cause("a Keras model file names each layer's Keras class; Keras could not load a class "
             "it does not have")
      .fix("save the weights alone with save_weights, or build the model from tenet's "
           "built-in layers")
      .raise();
}

void model_without_input_shape(const std::string& file, const std::string& first_layer) {
  Violation("model.unsupported", Phase::load, Site(file, "Keras model file"))
      .summary(file + ": the Sequential was never built, so the file holds no input shape")
      .expected("an InputLayer first, or build_input_shape")
      .actual(first_layer.empty() ? "no layers" : "a first layer " + first_layer +
                                                      " and no build_input_shape")
      .cause("Keras saves a Sequential that was never called on data (and did not start with "
             "keras.Input) without its input shape; tenet builds and checks every layer's "
             "shape when it loads a model, which needs that shape")
      .fix("in Keras, start the Sequential with keras.Input(shape=...) or call "
           "model.build((None, ...)), then save it again")
      .raise();
}

namespace {
thread_local ScopedWeightBudget* g_budget = nullptr;
}

ScopedWeightBudget::ScopedWeightBudget(std::string f, std::int64_t l)
    : file(std::move(f)), limit(l), previous_(g_budget) {
  g_budget = this;
}
ScopedWeightBudget::~ScopedWeightBudget() { g_budget = previous_; }

void charge_weights(const Shape& weight, const Site& layer) {
  if (!g_budget) return;
  ScopedWeightBudget& b = *g_budget;
  std::int64_t count = 1;  // saturates at INT64_MAX: a file's sizes may overflow the product
  for (int i = 0; i < weight.rank(); ++i)
    if (weight[i] > 0 && __builtin_mul_overflow(count, weight[i], &count))
      count = std::numeric_limits<std::int64_t>::max();
  const std::int64_t before = b.used;
  const bool beyond = __builtin_add_overflow(before, count, &b.used);  // past 2^63
  if (!beyond && b.used <= b.limit) return;
  const std::string total = beyond ? "more than " + std::to_string(b.limit)
                                   : std::to_string(b.used);
  Violation("model.unsupported", Phase::load, layer)
      .summary(b.file + " describes a model whose kernels hold " + total + " parameters, more "
               "than tenet reads from a model file (" + std::to_string(b.limit) + ")")
      .expected("at most " + std::to_string(b.limit) + " parameters (keras::LoadOptions::"
                "max_parameters)")
      .actual(total + " parameters once '" + layer.name + "' adds " + std::to_string(count))
      .cause("the kernels of the layers before '" + layer.name + "' hold " +
             std::to_string(before) + " parameters and its kernel would add " +
             std::to_string(count) + " (" +
             std::to_string(count / (1 << 18)) + " MiB of float32); reading stops before "
             "allocating them, as a file can describe a model no machine could hold")
      .fix("check the file's units, filters and input sizes (a missing pooling step or a "
           "Flatten of a large image multiplies a Dense kernel); if the model is meant to be "
           "this large and you trust the file, raise keras::LoadOptions::max_parameters")
      .raise();
}

void distribution_unavailable(const Site& where) {
  Violation("distribution.unavailable", Phase::run, where)
      .summary("FitOptions::distribution asks for MPI data-parallel training, but this tenet "
               "was built without MPI")
      .expected("a tenet built with the TENET_MPI component (CMake found MPI)")
      .actual("TENET_MPI off: CMake did not find MPI when tenet was configured")
      .cause("the data-parallel fit sums gradients with MPI_Allreduce; without an MPI library "
             "at build time there is nothing to run it on")
      .fix("install OpenMPI (apt-get install libopenmpi-dev openmpi-bin, or scripts/setup.sh), "
           "configure and build tenet again, and start the program with mpirun -np N; or "
           "drop .distribution to train on this process alone")
      .raise();
}

void distribution_mismatch(const std::string& subject, bool models,
                           const std::vector<std::string>& per_rank, const std::string& fix,
                           const Site& where) {
  std::string actual;
  for (std::size_t r = 0; r < per_rank.size(); ++r)
    actual += (r ? "; " : "") + std::string("rank ") + std::to_string(r) + ": " + per_rank[r];
  Violation("distribution.mismatch", Phase::run, where)
      .summary("the " + std::to_string(per_rank.size()) + " ranks of the data-parallel fit "
               "hold different " + subject)
      .expected("the same " + subject + " on every rank")
      .actual(actual)
      .cause(models ? "every rank applies the same averaged gradient to its own copy of the model, "
                      "so the copies must match variable for variable; with different layers or "
                      "sizes the gradients of one rank do not fit the weights of another"
                    : "the ranks sum their gradients once per global batch, so every rank must "
                      "walk the same number of batches; a rank with fewer would stop while the "
                      "others wait for it at the next sum (different sample counts or batch_size "
                      "on the ranks)")
      .fix(fix)
      .raise();
}

void distribution_peer(const std::string& at, bool timed_out, double seconds,
                       const std::string& detail, int rank, int size, const Site& where) {
  Violation("distribution.peer", Phase::run, where)
      .summary("rank " + std::to_string(rank) + " of " + std::to_string(size) +
               (timed_out ? " waited " + option_value(seconds) + " s for the other ranks at "
                          : " lost contact with the other ranks at ") + at)
      .expected("every rank reaching " + at + " within MpiDataParallel::timeout_seconds = " +
                option_value(seconds))
      .actual(timed_out ? "no answer after " + option_value(seconds) + " s" : detail)
      .cause(timed_out ? "no other rank answered within " + option_value(seconds) + " s: one "
                         "hangs, is stopped or is much slower here (a shared machine, a first "
                         "step that loads data), or it stopped on an error of its own code before "
                         "calling fit"
                       : "MPI itself reported the failure above: a rank's process ended (crashed "
                         "or was killed) or its connection broke, so waiting longer cannot help")
      .fix(timed_out ? "read the other ranks' output for their first error; if none stopped and "
                       "a rank is only slow, raise MpiDataParallel::timeout_seconds"
                     : "read mpirun's output and the other ranks' for the rank that ended and "
                       "why (its last error, or a signal such as a crash or out-of-memory kill), "
                       "fix that and run again")
      .raise();
}

void replica_failed(ContractInfo info, int rank, int size, const std::string& at) {
  info.summary = "on rank " + std::to_string(rank) + " of " + std::to_string(size) + ", " + at +
                 ": " + info.summary;
  throw ContractError(std::move(info));
}

void rank_failed(const std::string& what, bool internal, int rank, int size,
                 const std::string& at, const Site& where) {
  const std::string r = std::to_string(rank);
  Violation("distribution.rank_failed", Phase::run, where)
      .summary("rank " + r + " of " + std::to_string(size) + " stopped at " + at +
               " on an error, so every rank stops")
      .expected("every rank finishing " + at)
      .actual(what)
      .cause(std::string(internal ? "rank " + r + " hit an internal error of tenet (a bug in tenet, "
                                    "not a mistake in the program)"
                                  : "rank " + r + " raised the error above (its own output shows "
                                    "it)") +
             "; the ranks stop together rather than wait for it in the next collective")
      .fix(internal ? "report it with rank " + r + "'s output (the internal error's text and the "
                      "program); running on one process shows whether it needs the ranks"
                    : "fix what rank " + r + "'s error names, then run again")
      .raise();
}

}  // namespace tenet::checks
