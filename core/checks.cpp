#include "core/checks.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/text_escape.hpp"

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
Violation& Violation::provenance(std::vector<std::string> lines) {
  if (!lines.empty()) info_.provenance = std::move(lines);
  return *this;
}
Violation& Violation::cause(std::string t) { info_.cause = std::move(t); return *this; }
Violation& Violation::fix(std::string t) { info_.fix = std::move(t); return *this; }
void Violation::raise() const { throw ContractError(info_); }

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

static std::string join_axes(const std::vector<int>& axes, int rank) {
  std::string s;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (i) s += i + 1 == axes.size() ? " and " : ", ";
    s += axis_name(axes[i], rank) + " (axis " + std::to_string(axes[i]) + ")";
  }
  return s;
}

static std::string hw(std::int64_t h, std::int64_t w) {
  return dim_str(h) + "x" + dim_str(w);
}

// "; the first branch: <origin 0>; the other: <origin i>" from the graph, when known.
static std::string concat_spatial_cause(std::size_t i) {
  SizeOrigin a = input_origin(0), b = input_origin(i);
  if (a.sentence.empty() || b.sentence.empty()) return "";
  return ". The sizes come from different steps: " + a.sentence + ", while " + b.sentence;
}

// The spatial fix for concat.shape: padding "same" on the odd branch's valid convolution
// (plus the pooling still needed), pooling that branch, or Resizing to the first's size.
static std::string concat_spatial_fix(const Shape& first, const Shape& other,
                                      const std::string& other_desc, std::size_t i) {
  const std::string target = hw(first[1], first[2]);
  const std::string resizing = "Resizing(" + dim_str(first[1]) + ", " + dim_str(first[2]) + ")";
  SizeOrigin o = input_origin(i);
  std::vector<std::string> ways;
  if (o.valid_conv && o.same_h > 0 && o.same_w > 0) {
    std::string w = "give '" + o.layer + "' padding \"same\" (.padding = Padding::same) so it keeps " +
                    hw(o.same_h, o.same_w);
    if (first[1] > 0 && first[2] > 0 && (o.same_h != first[1] || o.same_w != first[2])) {
      if (o.same_h % first[1] == 0 && o.same_w % first[2] == 0 &&
          o.same_h / first[1] == o.same_w / first[2])
        w += ", then pool it with MaxPool2D({" + std::to_string(o.same_h / first[1]) + ", " +
             std::to_string(o.same_w / first[2]) + "}) to " + target;
      else
        w += ", then bring it to " + target;
    }
    ways.push_back(w);
  }
  const std::string branch = o.layer.empty() ? other_desc : "'" + o.layer + "'";
  const bool halves = first[1] > 0 && first[2] > 0 && other[1] % first[1] == 0 &&
                     other[2] % first[2] == 0 && other[1] / first[1] == other[2] / first[2];
  if (halves)
    ways.push_back("pool the branch of " + branch + " with MaxPool2D({" +
                   std::to_string(other[1] / first[1]) + ", " + std::to_string(other[2] / first[2]) +
                   "}) (" + hw(other[1], other[2]) + " -> " + target + ")");
  else
    ways.push_back("pool or crop the branch of " + branch + " (" + hw(other[1], other[2]) +
                   ") down to " + target);
  ways.push_back("add " + resizing + " after " + branch);
  std::string s = "make both branches " + target + " before joining: ";
  for (std::size_t k = 0; k < ways.size(); ++k)
    s += (k ? "; or " : "") + ways[k];
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
    std::vector<int> marks;
    for (int i : bad) marks.push_back(i - (r - b.rank()));
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
        .cause("aligned from the right, axis " + axes +
               " differ and neither side is 1, so NumPy broadcasting cannot apply")
        .fix("make the shapes equal (slice, reshape or resize one operand), or give the "
             "differing axis size 1 to broadcast it")
        .raise();
  }
  return Shape(out);
}

int check_axis(int axis, int rank, const std::string& code, const Site& where, Phase phase) {
  if (axis >= -rank && axis < rank) return axis < 0 ? axis + rank : axis;
  Violation(code, phase, where)
      .summary("axis " + std::to_string(axis) + " is out of range for rank " +
               std::to_string(rank))
      .expected("an axis in [" + std::to_string(-rank) + ", " + std::to_string(rank - 1) + "]")
      .actual(std::to_string(axis))
      .cause("the inputs have " + std::to_string(rank) +
             " axes including the batch axis (axis 0), so valid axes run from 0 to " +
             std::to_string(rank - 1) + " or from -1 back to " + std::to_string(-rank))
      .fix("use axis -1 for the last axis (channels in (N, H, W, C)), counting the batch axis")
      .raise();
}

Shape concat_shape(const std::vector<Shape>& shapes, int axis, const Site& where, Phase phase,
                   const std::vector<std::string>& desc, const std::vector<std::string>& prov) {
  auto name_of = [&](std::size_t i) { return i < desc.size() ? desc[i] : input_desc(i); };
  if (shapes.empty())
    Violation("concat.rank", phase, where)
        .summary("concatenation needs at least one input")
        .expected("one or more inputs")
        .actual("none")
        .raise();
  const Shape& first = shapes[0];
  for (std::size_t i = 1; i < shapes.size(); ++i)
    if (shapes[i].rank() != first.rank())
      Violation("concat.rank", phase, where)
          .summary("inputs to concatenate have different ranks")
          .expected(first)
          .actual(shapes[i])
          .provenance(prov)
          .cause(name_of(0) + " has rank " + std::to_string(first.rank()) + " but " +
                 name_of(i) + " has rank " + std::to_string(shapes[i].rank()))
          .fix("Flatten or Reshape one side so both have the same number of axes")
          .raise();
  int ax = check_axis(axis, first.rank(), "concat.axis", where, phase);
  Shape out = first;
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    std::vector<int> bad;
    for (int d = 0; d < first.rank(); ++d)
      if (d != ax && first[d] >= 0 && shapes[i][d] >= 0 && first[d] != shapes[i][d])
        bad.push_back(d);
      else if (d != ax && out[d] < 0)
        out[d] = shapes[i][d];
    if (!bad.empty()) {
      std::string diffs;
      for (int d : bad)
        diffs += (diffs.empty() ? "" : ", ") + axis_name(d, first.rank()) + " " +
                 std::to_string(first[d]) + " vs " + std::to_string(shapes[i][d]);
      bool spatial = first.rank() == 4 && ax == 3 &&
                     std::all_of(bad.begin(), bad.end(), [](int d) { return d == 1 || d == 2; });
      auto with_shape = [](const std::string& desc, const Shape& s) {
        return desc.find(s.str()) == std::string::npos ? desc + " " + s.str() : desc;
      };
      std::string cause = with_shape(name_of(0), first) + " and " + with_shape(name_of(i), shapes[i]) +
                          " differ in " + diffs;
      std::string fix = spatial ? concat_spatial_fix(first, shapes[i], name_of(i), i)
          : "make " + name_of(i) + " agree with " + name_of(0) + " on " + join_axes(bad, first.rank()) +
                " (resize, pool, pad or reshape), or join on a different axis";
      if (spatial) cause += concat_spatial_cause(i);
      Violation("concat.shape", phase, where)
          .summary("inputs differ on " + join_axes(bad, first.rank()) +
                   ", but may only differ on the join axis " + std::to_string(ax))
          .expected(first.with(ax, shapes[i][ax]))
          .actual(shapes[i])
          .mark(bad)
          .provenance(prov)
          .cause(cause)
          .fix(fix)
          .raise();
    }
    out[ax] = (out[ax] < 0 || shapes[i][ax] < 0)
                  ? kUnknown
                  : checked_size_sum(out[ax], shapes[i][ax], shapes[i], where, phase);
  }
  return out;
}

void check_stackable(const std::vector<Shape>& shapes, const Site& where, Phase phase) {
  for (std::size_t i = 1; i < shapes.size(); ++i)
    if (!(shapes[i] == shapes[0]))
      Violation("batch.ragged", phase, where)
          .summary("samples of one batch have different shapes")
          .expected(shapes[0])
          .actual(shapes[i])
          .mark_differences(shapes[0], shapes[i])
          .cause("sample 0 is " + shapes[0].str() + " but sample " + std::to_string(i) + " is " +
                 shapes[i].str() + "; a batch is one array, so every sample needs one shape")
          .fix("resize, pad or centre-crop every sample to one size before batching "
               "(data::resize, data::pad_to), e.g. to " + shapes[0].str())
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

void check_compare(const Shape& a, const Shape& b, const Site& where) {
  if (a == b) return;
  Violation("compare.shape", Phase::run, where)
      .summary("tensors compared element by element must have the same shape")
      .expected(a)
      .actual(b)
      .mark_differences(a, b)
      .cause(a.rank() != b.rank()
                 ? "the ranks differ (" + std::to_string(a.rank()) + " vs " +
                       std::to_string(b.rank()) + ")"
                 : "the shapes differ on " + join_axes(differing_axes(a, b), a.rank()))
      .fix("compare a.shape() == b.shape() first, or reshape/slice one side; allclose never "
           "broadcasts so that a shape slip cannot pass as equality")
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

// ---- options.invalid ----

namespace {
std::string real_str(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::setprecision(9) << v;
  return os.str();
}
// The cause of a refused real option: NaN's own, else the caller's (empty: the default).
std::string nan_cause(const std::string& option, double v, const std::string& cause = {}) {
  return std::isnan(v) ? option + " is NaN; NaN usually comes from a computation such as 0/0 "
                                  "upstream of the option"
                       : cause;
}
}  // namespace

void invalid_option(const std::string& option, const std::string& value, const std::string& valid,
                    const Site& where, Phase phase, const std::string& cause,
                    const std::string& fix) {
  Violation("options.invalid", phase, where)
      .summary(option + " = " + value + " is outside its valid range")
      .expected(valid)
      .actual(value)
      .cause(cause.empty() ? option + " was given " + value + ", which tenet cannot act on "
                                 "(valid: " + valid + ")"
                           : cause)
      .fix(fix.empty() ? "pass " + option + " a value that is " + valid : fix)
      .raise();
}

void check_option_range(const std::string& option, std::int64_t value, std::int64_t lo,
                        std::int64_t hi, const Site& where, Phase phase) {
  if (value >= lo && value <= hi) return;
  // No upper bound when `hi` is the largest value of the option's type (int or int64).
  const bool unbounded = hi == std::numeric_limits<std::int64_t>::max() ||
                         hi == std::numeric_limits<int>::max();
  std::string valid = unbounded
                          ? "an integer >= " + std::to_string(lo)
                          : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  invalid_option(option, std::to_string(value), valid, where, phase);
}

void check_option_real(const std::string& option, double value, double lo, double hi,
                       bool hi_inclusive, const Site& where, Phase phase,
                       const std::string& cause) {
  const bool ok = std::isfinite(value) && value >= lo && (hi_inclusive ? value <= hi : value < hi);
  if (ok) return;
  std::string valid = "a finite number in [" + real_str(lo) + ", " + real_str(hi) +
                      (hi_inclusive ? "]" : ")");
  if (std::isinf(hi)) valid = "a finite number >= " + real_str(lo);
  invalid_option(option, real_str(value), valid, where, phase, nan_cause(option, value, cause));
}

void empty_handle(const std::string& argument, const std::string& type, const Site& where,
                  Phase phase) {
  // Where a value of each kind of handle comes from, for the fix.
  const std::string source =
      type == "Tensor" ? "Tensor::zeros(...), Tensor::from_vector(...), an op or a layer call"
      : type == "SymbolicTensor" ? "Input(...) or a layer called on one"
      : type == "Layer" ? "a layer's constructor, e.g. Dense(10)"
      : type == "Loss" ? "a loss's constructor, e.g. SparseCategoricalCrossentropy()"
      : type == "Optimizer" ? "SGD() or Adam()"
                            : "Input(...), a layer call or Tensor::zeros(...)";
  invalid_option(argument, "an empty " + type, "a " + type + " that holds a value", where, phase,
                 argument + " is a default-constructed (empty) " + type + ": it was declared "
                 "but never assigned a result",
                 "assign " + argument + " before this call, e.g. from " + source);
}

// ---- callback.filepath ----

void missing_log_key(const std::string& pattern, const std::string& key,
                     const std::map<std::string, double>& logs, const Site& where) {
  std::string available = "epoch";
  bool has_val = false;
  for (const auto& [k, v] : logs) {
    available += ", " + k;
    has_val = has_val || k.rfind("val_", 0) == 0;
  }
  const bool val_key = key.rfind("val_", 0) == 0;
  const std::string base = val_key ? key.substr(4) : key;
  std::string cause, fix;
  const std::string example = logs.empty() ? "{epoch:02d}" : "{" + logs.begin()->first + ":.4f}";
  if (val_key && !has_val) {
    cause = "'" + key + "' is a validation value, and this fit logs none: val_ keys exist only "
            "with validation_split or validation_data";
    fix = "pass validation_split or validation_data to fit" +
          (logs.count(base) ? ", or use {" + base + "} in the path" : std::string());
  } else {
    cause = "the logs of this epoch hold " + available + "; '" + key + "' is not among them "
            "(fit logs the loss, the metrics given to compile, their val_ versions when there is "
            "validation data, and the keys callbacks add)";
    fix = "use a logged key in the path, e.g. " + example;
  }
  Violation("callback.filepath", Phase::run, where)
      .summary("the checkpoint path " + text::quoted(pattern) + " names '" + key +
               "', which is not in the logs")
      .expected("a field naming one of: " + available)
      .actual("{" + key + "}")
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_option_above(const std::string& option, double value, double lo, const Site& where,
                        Phase phase, const std::string& cause) {
  if (std::isfinite(value) && value > lo) return;
  invalid_option(option, real_str(value), "a finite number > " + real_str(lo), where, phase,
                 nan_cause(option, value, cause));
}

void check_option_positive(const std::string& option, std::int64_t value,
                           const std::string& meaning, const Site& where, Phase phase) {
  if (value >= 1) return;
  invalid_option(option, std::to_string(value), "an integer >= 1", where, phase,
                 option + " is " + meaning + ", a count that cannot be " +
                     std::to_string(value));
}

void no_samples(const std::string& call, const std::string& cause, const std::string& fix,
                const Site& where) {
  Violation("batch.empty", Phase::run, where)
      .summary(call + " received no samples")
      .expected("at least 1 sample")
      .actual("0 samples")
      .cause(cause)
      .fix(fix)
      .raise();
}

std::string option_value(double value) { return real_str(value); }

void check_option_finite(const std::string& option, double value, const Site& where,
                         Phase phase) {
  if (std::isfinite(value)) return;
  invalid_option(option, real_str(value), "a finite number", where, phase,
                 nan_cause(option, value));
}

namespace {
// [lo, hi): the range of an integer dtype, exact in double (powers of two, or 0).
std::pair<double, double> integer_range(DType to) {
  return visit_dtype(to, [](auto tag) {
    using T = decltype(tag);
    const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits);
    return std::pair<double, double>(std::is_signed_v<T> ? -hi : 0.0, hi);
  });
}
}  // namespace

bool fits_integer(double value, DType to) {
  if (is_floating(to)) return true;
  const auto [lo, hi] = integer_range(to);
  const double t = std::trunc(value);
  return t >= lo && t < hi;  // false for NaN
}

void not_representable(const std::string& code, const std::string& what, double value,
                       DType to, const Site& where, Phase phase) {
  const std::string range = visit_dtype(to, [](auto tag) {
    using T = decltype(tag);
    return "[" + std::to_string(+std::numeric_limits<T>::min()) + ", " +
           std::to_string(+std::numeric_limits<T>::max()) + "]";
  });
  const std::string name = dtype_name(to);
  const std::string cause =
      std::isnan(value) ? "NaN has no " + name + " value"
      : std::isinf(value) ? "an infinity has no " + name + " value"
                          : real_str(value) + " lies outside " + name + "'s range " + range;
  Violation(code, phase, where)
      .summary(what + " = " + real_str(value) + " cannot be converted to " + name)
      .expected("a finite number within " + range + " (truncated toward zero)")
      .actual(real_str(value))
      .cause(cause + "; the conversion would be undefined")
      .fix("clip or replace the value first (e.g. clip(x, lo, hi)), or keep a float dtype")
      .raise();
}

void check_nonempty_axis(const Shape& shape, int axis, const std::string& op,
                         const Site& where, Phase phase) {
  if (shape.dim(axis) != 0) return;
  Violation("reduce.axis", phase, where)
      .summary(op + " along axis " + std::to_string(axis) + " of " + shape.str() +
               ", which has size 0")
      .expected("axis " + std::to_string(axis) + " of size >= 1")
      .actual(shape)
      .mark({axis})
      .cause(op + " picks one element along the axis, and an axis of size 0 has none (the "
             "result would be made up)")
      .fix("reduce along an axis that holds elements, or skip the call when x.dim(" +
           std::to_string(axis) + ") == 0")
      .raise();
}

}  // namespace tenet::checks
