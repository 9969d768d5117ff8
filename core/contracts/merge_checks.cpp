// concat.*, elementwise.shape for merge layers, layer.input_count: the contracts of joining
// tensors (Concatenate, Add, Multiply and the concat op).
#include <algorithm>

#include "core/base/user_call.hpp"
#include "core/contracts/layer_checks.hpp"

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

std::string hw(std::int64_t h, std::int64_t w) {
  return dim_str(h) + "x" + dim_str(w);
}

// "; the first branch: <origin 0>; the other: <origin i>" from the graph, when known.
std::string concat_spatial_cause(std::size_t i) {
  SizeOrigin a = input_origin(0), b = input_origin(i);
  if (a.sentence.empty() || b.sentence.empty()) return "";
  return ". The sizes come from different steps: " + a.sentence + ", while " + b.sentence;
}

// A MaxPool2D of h x w windows, in the reader's notation (Keras calls it MaxPooling2D).
std::string max_pool(std::int64_t h, std::int64_t w) {
  const std::string size = std::to_string(h) + ", " + std::to_string(w);
  return snippet("MaxPool2D({" + size + "})", "MaxPooling2D((" + size + "))");
}

// The spatial fix for concat.shape: padding "same" on the odd branch's valid convolution
// (plus the pooling still needed), pooling that branch, or Resizing to the first's size.
std::string concat_spatial_fix(const Shape& first, const Shape& other,
                                      const std::string& other_desc, std::size_t i) {
  const std::string target = hw(first[1], first[2]);
  const std::string resizing = "Resizing(" + dim_str(first[1]) + ", " + dim_str(first[2]) + ")";
  SizeOrigin o = input_origin(i);
  std::vector<std::string> ways;
  if (o.valid_conv && o.same_h > 0 && o.same_w > 0) {
    std::string w = "give '" + o.layer + "' padding \"same\" (" +
                    snippet(".padding = Padding::same", "padding=\"same\"") + ") so it keeps " +
                    hw(o.same_h, o.same_w);
    if (first[1] > 0 && first[2] > 0 && (o.same_h != first[1] || o.same_w != first[2])) {
      if (o.same_h % first[1] == 0 && o.same_w % first[2] == 0 &&
          o.same_h / first[1] == o.same_w / first[2])
        w += ", then pool it with " + max_pool(o.same_h / first[1], o.same_w / first[2]) +
             " to " + target;
      else
        w += ", then bring it to " + target;
    }
    ways.push_back(w);
  }
  const std::string branch = o.layer.empty() ? other_desc : "'" + o.layer + "'";
  const bool halves = first[1] > 0 && first[2] > 0 && other[1] % first[1] == 0 &&
                     other[2] % first[2] == 0 && other[1] / first[1] == other[2] / first[2];
  if (halves)
    ways.push_back("pool the branch of " + branch + " with " +
                   max_pool(other[1] / first[1], other[2] / first[2]) + " (" +
                   hw(other[1], other[2]) + " -> " + target + ")");
  else
    ways.push_back("pool or crop the branch of " + branch + " (" + hw(other[1], other[2]) +
                   ") down to " + target);
  ways.push_back("add " + resizing + " after " + branch);
  std::string s = "make both branches " + target + " before joining: ";
  for (std::size_t k = 0; k < ways.size(); ++k)
    s += (k ? "; or " : "") + ways[k];
  return s;
}


// "height (axis 1) 28 vs 14, width (axis 2) 28 vs 14".
std::string axes_sizes(const std::vector<int>& axes, const Shape& a, const Shape& b) {
  std::string s;
  for (int ax : axes)
    s += (s.empty() ? "" : ", ") + axis_name(ax, a.rank()) + " (axis " + num(ax) + ") " +
         dim_str(a[ax]) + " vs " + dim_str(b[ax]);
  return s;
}

// Which side to change when two tensors to join differ in rank: the higher-rank side loses its
// extra axes (Flatten keeps every value, global pooling one per channel), or the lower-rank side
// is reshaped up when it cannot be the one flattened.
std::string rank_fix(const Shape& a, const Shape& b, const std::string& a_desc,
                     const std::string& b_desc) {
  const bool a_high = a.rank() > b.rank();
  const Shape& high = a_high ? a : b;
  const Shape& low = a_high ? b : a;
  const std::string& high_desc = a_high ? a_desc : b_desc;
  const std::string& low_desc = a_high ? b_desc : a_desc;
  std::int64_t flat = 1;
  for (int d = 1; d < high.rank(); ++d) flat = high[d] < 0 || flat < 0 ? kUnknown : flat * high[d];
  if (low.rank() == 2 && flat < 0 && high.rank() == 4)  // None height or width
    return "bring " + high_desc + " down to rank 2 with GlobalAveragePooling2D() (-> " +
           Shape{kUnknown, high[3]}.str() + "); not with Flatten(): its height or width is "
           "None, so the flattened count, and any Dense after the join, would have no size; " +
           low_desc + " is already (batch, features)";
  if (low.rank() == 2) {
    std::string s = "bring " + high_desc + " down to rank 2: Flatten() it (-> " +
                    Shape{kUnknown, flat}.str() + ")";
    if (high.rank() == 4)
      s += " or GlobalAveragePooling2D() it (-> " + Shape{kUnknown, high[3]}.str() + ")";
    return s + "; " + low_desc + " is already (batch, features)";
  }
  // A Reshape that adds one axis of size 1 in front lines up with `high` only when the sizes
  // after it are high's last ones; the join is then on axis 1.
  const int added = high.rank() - low.rank();
  bool lines_up = added == 1;
  std::int64_t low_flat = 1;
  for (int d = 1; d < low.rank(); ++d) {
    lines_up = lines_up && (low[d] < 0 || high[d + added] < 0 || low[d] == high[d + added]);
    low_flat = low[d] < 0 || low_flat < 0 ? kUnknown : low_flat * low[d];
  }
  std::string dims = "1";
  for (int d = 1; d < low.rank(); ++d) dims += ", " + dim_str(low[d]);
  const std::string flatten_both = "Flatten() both sides and join them as features (" + high_desc +
                                   " -> " + Shape{kUnknown, flat}.str() + ", " + low_desc + " -> " +
                                   Shape{kUnknown, low_flat}.str() + ")";
  if (lines_up)
    return "Reshape " + low_desc + " to rank " + num(high.rank()) + " (Reshape({" + dims +
           "})) and join on axis 1 (Concatenate(1)), where the sizes after it line up; or " +
           flatten_both;
  return flatten_both + "; a Reshape of " + low_desc + " to rank " + num(high.rank()) +
         " would not line up with " + high.str() + " on the axes outside the join";
}

// concat.rank: every input has the first one's rank; the fix names the side to change.
template <class NameOf>
void check_concat_ranks(const std::vector<Shape>& shapes, const NameOf& name_of,
                        const std::vector<std::string>& prov, const Site& where, Phase phase) {
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
          .fix(rank_fix(first, shapes[i], name_of(0), name_of(i)))
          .raise();
}

}  // namespace

void check_input_count(std::size_t n, bool multi_input, const Site& layer, Phase phase) {
  if (multi_input ? n >= 1 : n == 1) return;
  Violation("layer.input_count", phase, layer)
      .summary(layer.type + (multi_input ? " needs at least one input" : " takes exactly one input"))
      .expected(multi_input ? "a list of inputs" : "1 input")
      .actual(num(static_cast<std::int64_t>(n)) + " inputs")
      .cause(multi_input ? "'" + layer.name + "' was called on an empty list"
                         : "'" + layer.name + "' applies its weights to one tensor; " +
                               num(static_cast<std::int64_t>(n)) + " tensors were passed")
      .fix(multi_input ? "pass the tensors to join as a list: layer({a, b})"
                       : "call the layer on one tensor; join several first with Concatenate()({a, b}) "
                         "or Add()({a, b})")
      .raise();
}

void check_merge_count(std::size_t n, const Site& layer, Phase phase) {
  if (n >= 2) return;
  Violation("layer.input_count", phase, layer)
      .summary(layer.type + " joins two or more inputs, got " + num(static_cast<std::int64_t>(n)))
      .expected("2 or more inputs")
      .actual(num(static_cast<std::int64_t>(n)) + " input" + (n == 1 ? "" : "s"))
      .cause(n == 1 ? layer.type + " on a single tensor has nothing to join it with"
                    : "'" + layer.name + "' was called on an empty list")
      .fix("call it on a list: " + layer.type + "()({a, b}); drop the layer if there is one branch")
      .raise();
}

void check_merge_pair(const Shape& a, const Shape& b, std::size_t i, const Site& layer,
                      Phase phase) {
  if (a.rank() != b.rank())
    Violation("elementwise.shape", phase, layer)
        .summary(layer.type + " inputs have different ranks (" + num(a.rank()) + " vs " +
                 num(b.rank()) + ")")
        .expected(a)
        .actual(b)
        .cause(input_desc(0) + " and " + input_desc(i) + " cannot be combined element by element")
        .fix(rank_fix(a, b, input_desc(0), input_desc(i)) + "; or join them with Concatenate")
        .raise();
  std::vector<int> bad = differing_axes(a, b);
  if (bad.empty()) return;
  const int last = a.rank() - 1;
  const bool spatial = a.rank() == 4 && std::all_of(bad.begin(), bad.end(), [](int d) { return d == 1 || d == 2; });
  const bool last_only = bad.size() == 1 && bad[0] == last;
  std::string fix;
  if (spatial) {
    fix = "make both branches " + hw(a[1], a[2]) + ": padding \"same\" on the convolution that "
          "shrinks one of them, MaxPool2D or Resizing(" + dim_str(a[1]) + ", " + dim_str(a[2]) +
          ") on the other";
    const SizeOrigin o = input_origin(i);
    if (!o.sentence.empty()) fix += " (" + o.sentence + ")";
  } else if (last_only) {
    const LayerFacts up = input_producer(i);
    const CallContext* ctx = current_call_context();
    const std::string name = ctx && i < ctx->producer_names.size() ? ctx->producer_names[i] : "";
    fix = (up.output_size_option.empty() || name.empty()
               ? "make the branch of " + input_desc(i) + " end with " + dim_str(a[last]) +
                     (a.rank() == 4 ? " channels" : " features")
               : "give '" + name + "', the last layer of that branch, " + dim_str(a[last]) + " " +
                     up.output_size_option) +
          ", or use Concatenate, which allows different " +
          (a.rank() == 4 ? "channel" : "feature") + " counts";
  } else {
    fix = "make both branches produce " + a.str() + ", or join them with Concatenate";
  }
  Violation("elementwise.shape", phase, layer)
      .summary(layer.type + " needs inputs of equal shape; they differ on " + join_axes(bad, a.rank()))
      .expected(a)
      .actual(b)
      .mark(bad)
      .cause(input_desc(0) + " and " + input_desc(i) + " differ on " + axes_sizes(bad, a, b) +
             "; " + layer.type + " adds or multiplies element by element and does not broadcast")
      .fix(fix)
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
  check_concat_ranks(shapes, name_of, prov, where, phase);
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
        diffs += (diffs.empty() ? "" : ", ") + axis_name(d, first.rank()) +
                 (axis_name(d, first.rank()).rfind("axis ", 0) == 0 ? ": " : " ") +  // "axis 1: 5 vs 6"
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

}  // namespace tenet::checks
