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

std::string join_axes(const std::vector<int>& axes, int rank) {
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

}  // namespace tenet::checks
