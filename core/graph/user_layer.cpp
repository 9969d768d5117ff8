#include "core/graph/user_layer.hpp"

#include <algorithm>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/user_layer_checks.hpp"
#include "core/tensor/tensor_impl.hpp"

namespace tenet::user_layer {

namespace {
thread_local const CallScope* t_call = nullptr;

// Contracts that only an empty tensor breaks: a max or argmax over the (empty) batch axis,
// resizing an empty image, an empty batch. Another batch may flow through them.
bool needs_samples(const ContractError& e) {
  return e.code() == "reduce.axis" || e.code() == "resize.size" || e.code() == "batch.empty";
}

checks::UserCallFacts facts_of(const LayerImpl& layer, const std::vector<SymbolicTensor>& inputs) {
  checks::UserCallFacts f;
  f.layer = layer.site();
  for (const auto& x : inputs) f.inputs.push_back(x.shape());
  const std::vector<Tensor> weights = layer.weights();
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!weights[i].defined()) checks::empty_weight(i, weights.size(), layer.site());
    f.weights.push_back(weights[i].shape());
  }
  f.weight_names = layer.weight_names();
  return f;
}

bool runnable(const std::vector<Shape>& inputs) {
  for (const Shape& s : inputs)
    for (int i = 1; i < s.rank(); ++i)
      if (s[i] == kUnknown) return false;
  return true;
}

// One run of forward on a batch of f.batch samples (zeros; only the shapes matter).
Tensor run_once(LayerImpl& layer, const std::vector<SymbolicTensor>& inputs,
                const checks::UserCallFacts& f) {
  std::vector<Tensor> xs;
  std::vector<Shape> shapes;
  for (const auto& x : inputs) {
    const Shape& s = x.shape();
    shapes.push_back(s.rank() > 0 && s[0] == kUnknown ? s.with(0, f.batch) : s);
    xs.push_back(Tensor::zeros(shapes.back(), x.dtype()));
  }
  const NoGradGuard no_grad;          // nothing of this run is ever differentiated
  const NumericsScope numerics(false);  // zeros may give log(0): the values are not the point
  const CurrentLayerScope layer_scope(std::make_shared<const Site>(layer.site()), Phase::build);
  const CallScope call(shapes, f.batch);
  Tensor out = layer.forward(xs, CallOptions{});
  return checks::defined(out, [&] { return "the Tensor returned by forward of '" + layer.name() + "'"; },
                         layer.site(), Phase::build);
}

// forward on an empty batch, or on 1 sample when something in it refuses an empty one.
Tensor run(LayerImpl& layer, const std::vector<SymbolicTensor>& inputs, checks::UserCallFacts& f) {
  for (f.batch = 0;; f.batch = 1) {
    try {
      return run_once(layer, inputs, f);
    } catch (const ContractError& e) {
      if (e.code() == "layer.expect") throw;  // the user's own check already names the layer
      if (f.batch == 0 && needs_samples(e)) {
        f.empty_refused_by = e.site().type == "op" ? "its " + e.site().name : "'" + e.site().name + "'";
        continue;
      }
      checks::user_call_failed(e.info(), f);
    } catch (const InternalError&) {
      if (f.batch != 0) throw;
      f.empty_refused_by = "a kernel of tenet's";  // an empty tensor no kernel handles
    }
  }
}

}  // namespace

CallScope::CallScope(const std::vector<Shape>& in, std::int64_t batch)
    : inputs(in), build_batch(batch), previous(t_call) {
  t_call = this;
}
CallScope::~CallScope() { t_call = previous; }

Shape run_at_build(LayerImpl& layer, const std::vector<SymbolicTensor>& inputs,
                   const Shape& declared) {
  checks::UserCallFacts f = facts_of(layer, inputs);
  const bool has_rule = layer.declares_output_shape();
  if (has_rule) checks::check_output_batch_axis(declared, true, f);
  if (!runnable(f.inputs)) {
    if (has_rule) return declared;  // nothing concrete to run on: its own rule stands
    checks::output_shape_unknowable(f);
  }
  const Tensor out = run(layer, inputs, f);
  checks::check_output_batch_axis(out.shape(), false, f);
  Shape produced = checks::shown_shape(out.shape(), f.batch);
  if (f.batch == 1 && produced.rank() > 0 && produced[0] == 1 && !f.inputs.empty() &&
      f.inputs[0].rank() > 0 && f.inputs[0][0] == kUnknown)
    produced[0] = kUnknown;
  if (!has_rule) return produced;
  if (declared.rank() != produced.rank() || !checks::differing_axes(declared, produced).empty())
    checks::output_shape_mismatch(declared, produced, f);
  for (int i = 0; i < produced.rank(); ++i)  // both agree: keep every size either one knows
    if (produced[i] == kUnknown) produced[i] = declared[i];
  return produced;
}

namespace {
// The shape with its batch axis (axis 0) unknown.
Shape any_batch(const Shape& s) { return s.rank() > 0 ? s.with(0, kUnknown) : s; }
}  // namespace

void remember(BuildOutputs& seen, const std::vector<Shape>& inputs, const Shape& output) {
  std::vector<Shape> key;
  for (const Shape& s : inputs) key.push_back(any_batch(s));
  for (auto& [in, out] : seen)
    if (in == key) return void(out = output);
  seen.emplace_back(std::move(key), output);
}

void check_run_output(const LayerImpl& layer, const std::vector<Shape>& inputs, const Tensor& out,
                      const BuildOutputs& seen, bool training) {
  checks::defined(out, [&] { return "the Tensor returned by forward of '" + layer.name() + "'"; },
                  layer.site(), Phase::run);
  const Shape& got = out.shape();
  if (!inputs.empty() && inputs[0].rank() > 0 && got.rank() > 0 && got[0] != inputs[0][0])
    checks::batch_changed(inputs[0][0], got, layer.site(), training);
  std::vector<Shape> key;
  for (const Shape& s : inputs) key.push_back(any_batch(s));
  for (const auto& [in, built] : seen) {
    if (in != key) continue;
    bool same = got.rank() == built.rank();
    for (int i = 1; same && i < got.rank(); ++i) same = built[i] == kUnknown || built[i] == got[i];
    if (!same) checks::run_output_mismatch(built, got, layer.site(), training);
    return;
  }
}

}  // namespace tenet::user_layer

namespace tenet {

namespace {

// The facts of a failed expect_*: the layer being called (or the check alone), its inputs.
checks::ExpectFacts expect_facts(const std::string& what, const std::source_location& loc) {
  checks::ExpectFacts f;
  f.what = what;
  const Site at = Site::call(what, "check", loc);
  f.check_at = at.call_file + ":" + std::to_string(at.call_line);
  const auto& layer = current_layer_site();
  const user_layer::CallScope* call = user_layer::t_call;
  f.in_layer = layer != nullptr && call != nullptr;
  f.where = f.in_layer ? *layer : at;
  f.phase = call && call->build_batch >= 0 ? Phase::build : Phase::run;
  f.build_batch = call ? call->build_batch : -1;
  if (call)
    for (const Shape& s : call->inputs) f.layer_inputs.push_back(checks::shown_shape(s, call->build_batch));
  return f;
}

// The shape as checked: in the run at build time, the batch is unknown.
Shape checked_shape(const Shape& s) {
  const user_layer::CallScope* call = user_layer::t_call;
  if (!call || call->build_batch < 0) return s;
  Shape out = checks::shown_shape(s, call->build_batch);
  if (call->build_batch == 1 && out.rank() > 0 && out[0] == 1) out[0] = kUnknown;
  return out;
}

// `symbolic`: a SymbolicTensor, checked while the model is built.
void expect(const Shape& actual, const Shape& expected, const std::string& what,
            const std::source_location& loc, bool symbolic) {
  bool ok = actual.rank() == expected.rank();
  for (int i = 0; ok && i < actual.rank(); ++i)
    ok = expected[i] == kUnknown || actual[i] == kUnknown || expected[i] == actual[i];
  if (ok) return;
  checks::ExpectFacts f = expect_facts(what, loc);
  if (symbolic) f.phase = Phase::build;
  checks::expected_shape_failed(expected, actual, f);
}

}  // namespace

void expect_shape(const Tensor& x, const Shape& expected, const std::string& what,
                  std::source_location loc) {
  checks::defined(x, "the tensor given to expect_shape", Site::call(what, "check", loc));
  expect(checked_shape(x.shape()), expected, what, loc, false);
}

void expect_shape(const SymbolicTensor& x, const Shape& expected, const std::string& what,
                  std::source_location loc) {
  checks::defined(x, "the tensor given to expect_shape", Site::call(what, "check", loc), Phase::build);
  expect(x.shape(), expected, what, loc, true);
}

void expect_dtype(const Tensor& x, DType expected, const std::string& what,
                  std::source_location loc) {
  checks::defined(x, "the tensor given to expect_dtype", Site::call(what, "check", loc));
  if (x.dtype() != expected) checks::expected_dtype_failed(expected, x.dtype(), expect_facts(what, loc));
}

}  // namespace tenet
