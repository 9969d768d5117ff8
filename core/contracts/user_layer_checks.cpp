#include "core/contracts/user_layer_checks.hpp"

#include <algorithm>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/text_escape.hpp"

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string s;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    s += (i == 0 ? "" : i + 1 == shapes.size() ? " and " : ", ") + shapes[i].str();
  return s;
}

std::string layer_text(const Site& l) { return "'" + l.name + "' (" + l.type + ")"; }

// The input shape forward ran on: the batch axis (when unknown) of the size of the run.
Shape run_shape(const Shape& s, std::int64_t batch) {
  return s.rank() > 0 && s[0] == kUnknown ? s.with(0, batch) : s;
}

// Why and how tenet ran the layer's forward, for every cause of a failure there.
std::string run_text(const UserCallFacts& f) {
  const std::string call = "when a model is built, tenet runs the forward of " + layer_text(f.layer) +
                           ", a layer it did not write, on ";
  if (f.batch == 0)
    return call + "an empty batch (0 samples, standing for any batch size) of its input " +
           shapes_text(f.inputs) + " to learn the shape it produces";
  return call + "a batch of 1 sample of its input " + shapes_text(f.inputs) + ", since " +
         f.empty_refused_by + " cannot take an empty batch";
}

// What an operand of the failing op is. `weight` is set to the index of the layer's weight of
// that shape, -1 otherwise; `input` likewise for the layer's inputs.
std::string operand_text(const Shape& s, const UserCallFacts& f, int& weight, int& input) {
  weight = input = -1;
  for (std::size_t i = 0; i < f.inputs.size(); ++i)
    if (run_shape(f.inputs[i], f.batch) == s) {
      input = static_cast<int>(i);
      return (f.inputs.size() == 1 ? std::string("its input ") : "its " + ordinal(i) + " input ") +
             f.inputs[i].str();
    }
  for (std::size_t i = 0; i < f.weights.size(); ++i)
    if (f.weights[i] == s) {
      weight = static_cast<int>(i);
      const std::string n = i < f.weight_names.size() ? f.weight_names[i] : "weight " + num(i);
      return "its weight '" + n + "' " + s.str();
    }
  return "a value computed in its call, " + shown_shape(s, f.batch).str();
}

// The axis on which the two operands of the failing op clash, as each operand counts it.
struct Clash {
  bool found = false;
  int axis_a = 0, axis_b = 0;
  std::int64_t a = 0, b = 0;
};
Clash clash_of(const ContractInfo& inner) {
  Clash c;
  if (inner.operands.size() != 2) return c;
  const Shape &a = inner.operands[0], &b = inner.operands[1];
  if (inner.code == "matmul.shape") {
    if (a.rank() != b.rank() || a.rank() < 2) return c;
    c = {true, a.rank() - 1, b.rank() - 2, a[a.rank() - 1], b[b.rank() - 2]};
    c.found = c.a != c.b;
    return c;
  }
  const int r = std::max(a.rank(), b.rank());
  for (int i = r - 1; i >= 0; --i) {
    const int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) return {true, ia, ib, da, db};
  }
  return c;
}

// The fix when one operand is a weight of the layer (`w`, size `dw` on the clashing axis) and
// the other holds `dx` there.
std::string weight_fix(const UserCallFacts& f, int w, std::int64_t dw, std::int64_t dx) {
  const std::string name = "'" + (static_cast<std::size_t>(w) < f.weight_names.size()
                                      ? f.weight_names[static_cast<std::size_t>(w)]
                                      : "weight " + num(w)) + "'";
  const Shape& in = f.inputs[0];
  if (dx == 0 && f.batch == 0)
    return "a weight cannot follow the batch size: give " + name + " size 1 on that axis so that "
           "it broadcasts over the batch, or drop that axis from it";
  if (in.rank() > 0 && in[in.rank() - 1] == dx)
    return "create " + name + " in build() from the input's size (inputs[0].dim(-1), " + num(dx) +
           " here) instead of the fixed " + num(dw) + ", or call '" + f.layer.name +
           "' on an input with " + num(dw) + " on its last axis (e.g. Dense(" + num(dw) +
           ") before it)";
  return "make " + name + " size " + num(dx) + " on that axis (it was made with " + num(dw) +
         "), or change the computation that gives the other operand " + num(dx);
}

// A fix for the failing op read from its operands; empty when they say nothing specific.
std::string operand_fix(const ContractInfo& inner, const UserCallFacts& f, const Clash& c) {
  int wa = -1, ia = -1, wb = -1, ib = -1;
  operand_text(inner.operands[0], f, wa, ia);
  operand_text(inner.operands[1], f, wb, ib);
  if (wa >= 0 && wb < 0) return weight_fix(f, wa, c.a, c.b);
  if (wb >= 0 && wa < 0) return weight_fix(f, wb, c.b, c.a);
  if (f.batch == 0 && (c.a == 0 || c.b == 0))
    return "the operand with " + num(c.a == 0 ? c.b : c.a) + " on that axis meets the batch "
           "there, so it fits only batches of exactly that size: give it size 1 on that axis to "
           "broadcast over the batch, or build it from the batch size (x.shape()[0]) in the call";
  if (ia >= 0 && ib >= 0)
    return "give '" + f.layer.name + "' inputs that agree there (" + num(c.a) + " vs " + num(c.b) +
           "), e.g. Dense(" + num(c.a) + ") on the other branch, or combine them another way "
           "(concat) in its call";
  return "";
}

}  // namespace

Shape shown_shape(const Shape& s, std::int64_t batch) {
  if (batch != 0) return s;
  Shape out = s;
  for (int i = 0; i < out.rank(); ++i)
    if (out[i] == 0) out[i] = kUnknown;
  return out;
}

void user_call_failed(const ContractInfo& inner, const UserCallFacts& f) {
  const Site& op = inner.where;
  const std::string op_text =
      (op.type == "op" ? "its " + op.name : "its call of " + layer_text(op)) +
      (op.call_file.empty() ? "" : " at " + op.call_file + ":" + num(op.call_line));
  Violation v(inner.code, Phase::build, f.layer);
  v.summary(layer_text(f.layer) + " cannot run on its input " + shapes_text(f.inputs) + ": " +
            op_text + " fails (" + inner.summary + ")");
  const Clash c = clash_of(inner);
  std::string fix;
  if (inner.operands.size() == 2) {
    int w = -1, i = -1;
    const std::string a = operand_text(inner.operands[0], f, w, i);
    const std::string b = operand_text(inner.operands[1], f, w, i);
    v.expected(shown_shape(inner.operands[0], f.batch)).actual(shown_shape(inner.operands[1], f.batch));
    if (c.found) v.mark({c.axis_b}).mark_expected({c.axis_a});
    v.cause(run_text(f) + ". In that call, " + op_text + " receives " + a + " and " + b + ": " +
            inner.cause);
    if (c.found) fix = operand_fix(inner, f, c);
  } else {
    v.expected(inner.expected).actual(inner.actual).mark(inner.marked).mark_expected(inner.marked_expected);
    v.cause(run_text(f) + ". In that call, " + op_text + " refused it" +
            (inner.cause.empty() ? "" : ": " + inner.cause));
  }
  v.provenance(inner.provenance);
  v.fix(!fix.empty() ? fix : "in the forward of '" + f.layer.name + "' (" + op_text + "): " + inner.fix);
  v.raise();
}

void output_shape_mismatch(const Shape& declared, const Shape& produced, const UserCallFacts& f) {
  const bool echoes_input = !f.inputs.empty() && declared == f.inputs[0];
  Violation v("layer.output_shape", Phase::build, f.layer);
  v.summary(layer_text(f.layer) + " declares the output " + declared.str() +
            " in output_shape, but its forward produces " + produced.str())
      .expected(declared)
      .actual(produced);
  if (declared.rank() == produced.rank()) v.mark_differences(declared, produced);
  v.cause(run_text(f) + ". " +
          (echoes_input ? "output_shape returns its input's shape unchanged, but forward changes it"
                        : "output_shape and forward disagree") +
          (declared.rank() != produced.rank()
               ? " (" + num(declared.rank()) + " axes declared, " + num(produced.rank()) + " produced)"
               : "") +
          "; the layers after it would be built for a shape its data never has")
      .fix("make output_shape return what forward computes, " + produced.str() +
           " for this input (None where a size follows the batch), or delete output_shape: tenet "
           "then takes the shape from forward")
      .raise();
}

void empty_weight(std::size_t index, std::size_t count, const Site& layer) {
  invalid_option("weights()[" + num(static_cast<std::int64_t>(index)) + "] of " + layer_text(layer),
                 "an empty Tensor", "a Tensor that holds a value", layer, Phase::build,
                 "weights() of '" + layer.name + "' returns " + num(static_cast<std::int64_t>(count)) +
                     " Tensors and the " + ordinal(index) + " is default-constructed (empty): a "
                     "variable the layer declares but never creates",
                 "create every variable before weights() returns it (e.g. kernel_ = "
                 "Tensor::zeros({in, units}) in build()), or leave the empty one out of weights() "
                 "and weight_names()");
}

void check_output_batch_axis(const Shape& output, bool declared, const UserCallFacts& f) {
  if (output.rank() > 0 || f.inputs.empty() || f.inputs[0].rank() == 0) return;
  Violation("layer.output_shape", Phase::build, f.layer)
      .summary(layer_text(f.layer) + (declared ? " declares the output () in output_shape"
                                               : " returns a tensor of rank 0 from forward") +
               ": it has no batch axis")
      .expected("(None, ...): the batch axis first, one entry per sample")
      .actual(output)
      .cause((declared ? std::string("output_shape returns a shape without axes")
                       : run_text(f) + ", and forward returned a single number for the whole "
                                       "batch") +
             "; a layer's output keeps the batch axis of its input " + shapes_text(f.inputs) +
             ", so the layers after it would have no samples to work on")
      .fix("keep the batch axis: reduce over the axes after it only (x.sum(1) or x.mean(1) give "
           "one value per sample), or return a tensor whose axis 0 is the batch" +
           std::string(declared ? ", and return its shape from output_shape" : ""))
      .raise();
}

void output_shape_unknowable(const UserCallFacts& f) {
  std::vector<int> unknown;
  int rank = 0;
  for (const Shape& s : f.inputs)
    for (int i = 1; i < s.rank(); ++i)
      if (s[i] == kUnknown && unknown.size() < 8) unknown.push_back(i), rank = s.rank();
  Violation("layer.output_shape", Phase::build, f.layer)
      .summary(layer_text(f.layer) + " declares no output_shape, and its input " +
               shapes_text(f.inputs) + " has unknown sizes besides the batch")
      .expected("inputs whose axes other than the batch are known, or a declared output_shape")
      .actual(shapes_text(f.inputs))
      .mark(f.inputs.size() == 1 ? unknown : std::vector<int>{})
      .cause("without output_shape, tenet learns a layer's output shape by running its forward "
             "on an empty batch of its input shape when the model is built; " +
             join_axes(unknown, rank) + (unknown.size() == 1 ? " is" : " are") +
             " None here, so no tensor of that shape exists")
      .fix("override output_shape in '" + f.layer.name + "' (return None on the axes that follow "
           "the input's unknown sizes), or give the Input fixed sizes")
      .raise();
}

namespace {

// Which input of the layer `actual` is (by shape), -1 when none: then it was computed in the call.
int input_of(const Shape& actual, const ExpectFacts& f) {
  for (std::size_t i = 0; i < f.layer_inputs.size(); ++i)
    if (f.layer_inputs[i] == actual) return static_cast<int>(i);
  return -1;
}

// Where the checked tensor came from, for the cause: the layer's input (and its producer), a
// value computed in the call, or a tensor outside any layer.
std::string expect_origin(int input, const ExpectFacts& f) {
  std::string s;
  if (!f.in_layer) s = "the check runs outside any layer's call";
  else if (input >= 0)
    s = "'" + f.what + "' has the shape of the layer's " +
        (f.layer_inputs.size() == 1 ? std::string("input") : ordinal(static_cast<std::size_t>(input)) + " input") +
        ", " + input_desc(static_cast<std::size_t>(input));
  else
    s = "'" + f.what + "' is computed in the call from the layer's input " + shapes_text(f.layer_inputs);
  if (f.phase == Phase::build && f.in_layer)
    s += std::string("; tenet ran the layer's forward on ") +
         (f.build_batch == 0 ? "an empty batch" : "a batch of 1 sample") +
         " when the model was built, so the check failed before any data flowed";
  return s;
}

// The fix when the checked tensor is the layer's input `i`: the layer that produced it.
std::string input_fix(std::size_t i, const Shape& expected, const std::vector<int>& axes,
                      const ExpectFacts& f) {
  const CallContext* ctx = current_call_context();
  const std::string up = ctx && i < ctx->producer_names.size() ? ctx->producer_names[i] : "";
  const LayerFacts facts = input_producer(i);
  const int last = expected.rank() - 1;
  if (!up.empty() && !facts.output_size_option.empty() && axes == std::vector<int>{last})
    return "set the " + facts.output_size_option + " of '" + up + "' to " + num(expected[last]) +
           " so that '" + f.where.name + "' receives " + expected.str();
  return "give '" + f.where.name + "' an input of " + expected.str() + ": change the layer that "
         "produces it" + (up.empty() ? std::string() : " ('" + up + "')");
}

std::string expect_summary(const std::string& actual, const std::string& wanted, const ExpectFacts& f) {
  return "'" + f.what + "' is " + actual + (f.in_layer ? " in the call of " + layer_text(f.where) : "") +
         ", but " + wanted + " at " + f.check_at + " requires " ;
}

}  // namespace

void expected_shape_failed(const Shape& expected, const Shape& actual, const ExpectFacts& f) {
  const bool same_rank = expected.rank() == actual.rank();
  const std::vector<int> axes = differing_axes(expected, actual);
  const int input = input_of(actual, f);
  std::string what_differs =
      same_rank ? "'" + f.what + "' differs on " + join_axes(axes, actual.rank())
                : "'" + f.what + "' has " + num(actual.rank()) + " axes where " +
                      num(expected.rank()) + " are required";
  std::string fix;
  if (!f.in_layer)
    fix = "reshape, slice or recompute the tensor to " + expected.str() + " before " + f.check_at;
  else if (input >= 0 && !same_rank && actual.rank() == 4 && expected.rank() == 2)
    fix = "put Flatten() or GlobalAveragePooling2D() before '" + f.where.name + "'";
  else if (input >= 0)
    fix = input_fix(static_cast<std::size_t>(input), expected, axes, f);
  else
    fix = "change the computation in the call of '" + f.where.name + "' before " + f.check_at +
          " so that '" + f.what + "' is " + expected.str();
  if (f.in_layer && same_rank) fix += ", or put kUnknown in expect_shape on the axes where any size works";
  Violation v("layer.expect", f.phase, f.where);
  v.summary(expect_summary(actual.str(), "expect_shape", f) + expected.str()).expected(expected).actual(actual);
  if (same_rank) v.mark(axes);
  v.cause(what_differs + "; " + expect_origin(input, f)).fix(fix).raise();
}

void expected_dtype_failed(DType expected, DType actual, const ExpectFacts& f) {
  static const char* enum_names[] = {"f32", "f64", "u8", "i32", "i64"};
  const std::string cast = std::string(".astype(DType::") + enum_names[static_cast<int>(expected)] + ")";
  Violation("layer.expect", f.phase, f.where)
      .summary(expect_summary(dtype_name(actual), "expect_dtype", f) + dtype_name(expected))
      .expected(dtype_name(expected))
      .actual(dtype_name(actual))
      .cause("'" + f.what + "' holds " + dtype_name(actual) + " values; " + expect_origin(-1, f))
      .fix("cast it with " + cast + " before " + f.check_at + (f.in_layer ? ", or give '" + f.where.name +
           "' an input of " + dtype_name(expected) : std::string()))
      .raise();
}

void run_output_mismatch(const Shape& built, const Shape& produced, const Site& layer,
                         bool training) {
  Violation v("layer.output_shape", Phase::run, layer);
  v.summary(layer_text(layer) + " produced " + produced.str() + " while data flows, but the "
            "model was built for its output " + built.str())
      .expected(built)
      .actual(produced);
  if (built.rank() == produced.rank()) {
    std::vector<int> axes;  // the batch axis is free
    for (int i = 1; i < built.rank(); ++i)
      if (built[i] != kUnknown && built[i] != produced[i]) axes.push_back(i);
    v.mark(axes).mark_expected(axes);
  }
  v.cause("when the model was built, tenet ran this forward as an inference call (training = "
          "false) on inputs of these sizes and it produced " + built.str() + "; the layers after "
          "it and the loss were built for that shape. This call" +
          std::string(training ? " (training = true)" : "") + " produced another: the output's "
          "shape depends on something besides the input's shape (CallOptions::training, the "
          "batch's values or its size), so what follows would compute on a shape it was never "
          "built for")
      .fix("make forward produce the same shape on every call for inputs of the same shape, in "
           "training as in inference; compute what differs in training inside that shape")
      .raise();
}

void batch_changed(std::int64_t batch, const Shape& produced, const Site& layer, bool training) {
  Violation("layer.output_shape", Phase::run, layer)
      .summary(layer_text(layer) + " returned " + num(produced[0]) + " rows for a batch of " +
               num(batch) + " samples")
      .expected(produced.with(0, batch))
      .actual(produced)
      .mark({0})
      .cause("each sample needs its own output row, and this forward" +
             std::string(training ? " (training = true)" : "") + " changed axis 0, the batch: "
             "a slice of the rows, a reduction over axis 0, or a tensor made for a fixed batch "
             "size. The loss would then pair " + num(produced[0]) + " predictions with " +
             num(batch) + " labels, and predict would return " + num(produced[0]) + " rows")
      .fix("keep axis 0 as the input's: reduce over the other axes (x.mean(-1, true)), and "
           "make constant tensors with the input's batch size or a size-1 axis that "
           "broadcasts")
      .raise();
}

void check_layer_name(const std::string& name, const std::string& base_name, const Site& layer) {
  const std::string option = layer.type + " name";
  const std::string valid = "a non-empty name without '/' or NUL, other than '.' and '..'";
  if (base_name.empty())
    invalid_option(layer.type + " base_name", "''", "a non-empty snake-case class name", layer,
                   Phase::build,
                   "the layer class passes an empty base_name to LayerImpl, so its automatic "
                   "names are '', '_1', '_2'...; a weights file cannot store a layer named ''",
                   "pass the class's snake-case name as base_name (LayerImpl(\"" + layer.type +
                       "\", \"my_layer\", name, loc)), or give each layer a name");
  if (name.empty() || name == "." || name == "..")
    invalid_option(option, "'" + name + "'", valid, layer, Phase::build,
                   "a weights file stores each layer's variables under layers/<name>/, and '" +
                       name + "' names no group of its own there",
                   "give the layer a name with a letter or digit, e.g. '" + base_name + "'");
  for (const char bad : {'/', '\0'}) {
    if (name.find(bad) == std::string::npos) continue;
    std::string fixed = name;
    std::replace(fixed.begin(), fixed.end(), bad, '_');
    invalid_option(option, "'" + text::printable(name) + "'", valid,
                   layer, Phase::build,
                   bad == '/' ? "'/' separates groups in a weights file (layers/<name>/vars), "
                                "so '" + name + "' would be saved as nested layers and never "
                                "load back"
                              : "a weights file cuts a name at its NUL, so the layer would be "
                                "saved under another name and never load back",
                   bad == '/' ? "use '_' or '-' instead of '/', e.g. '" + fixed + "'"
                              : "remove the NUL byte from the name");
  }
}

}  // namespace tenet::checks
