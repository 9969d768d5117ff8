#include <tenet/core/graph/layer.hpp>

#include <algorithm>
#include <chrono>
#include <unordered_set>
#include <cstring>
#include <map>
#include <mutex>

#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/checkpoint_checks.hpp"
#include "core/contracts/input_checks.hpp"
#include "core/contracts/layer_checks.hpp"
#include "core/contracts/user_layer_checks.hpp"
#include <tenet/core/contracts/checks.hpp>
#include "core/base/user_call.hpp"
#include "core/tensor/numerics.hpp"
#include "core/tensor/tensor_impl.hpp"
#include "core/graph/builtin.hpp"
#include "core/graph/checked_inputs.hpp"
#include "core/graph/profile.hpp"
#include "core/graph/symbolic_node.hpp"
#include "core/graph/user_layer.hpp"

namespace tenet {

LayerImpl::LayerImpl(std::string type, std::string base_name, std::string name,
                     std::source_location loc)
    : type_(std::move(type)), base_name_(std::move(base_name)),
      name_(name.empty() ? unique_layer_name(base_name_) : std::move(name)),
      site_(name_, type_, loc), shared_site_(std::make_shared<const Site>(site_)),
      checked_(std::make_shared<CheckedInputs>()) {
  checks::check_layer_name(name_, base_name_, site_);  // Keras refuses '/' too
}

Shape LayerImpl::output_shape(const std::vector<Shape>& inputs, Phase) {
  declares_output_shape_ = false;  // reached only by a user layer that leaves its shape to tenet
  return inputs.empty() ? Shape{} : inputs[0];
}

void LayerImpl::check_input_count(std::size_t n, Phase phase) const {
  checks::check_input_count(n, multi_input(), site_, phase);
}

void LayerImpl::ensure_built(const std::vector<Shape>& inputs, Phase phase) {
  if (built_) return;
  CurrentLayerScope layer_scope(shared_site_, phase);  // weights too large name this layer
  build(inputs);
  built_inputs_ = inputs;
  built_ = true;
}

void check_input_spec(const InputSpec& spec, const Shape& actual, const Site& where, Phase phase,
                      DType dtype) {
  if (spec.rank >= 0 && actual.rank() != spec.rank)
    checks::input_spec_rank(spec.rank, actual, where, phase);
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    int ax = actual.normalize_axis(spec.axes[i]);
    if (ax < 0) continue;
    std::int64_t want = spec.axes_dims[i];
    if (want < 0 || actual[ax] < 0 || actual[ax] == want) continue;
    checks::input_spec_dim(ax, want, actual, where, phase);
  }
  if (spec.check_dtype)
    checks::check_dtype(dtype, spec.dtype, "layer.input_spec", where, phase,
                        "'" + where.name + "' declares " + dtype_name(spec.dtype) +
                            " inputs in its InputSpec but receives " + checks::input_desc(0) +
                            " of " + dtype_name(dtype),
                        std::string("cast the input to ") + dtype_name(spec.dtype) +
                            " with x.astype(...), or change the layer's InputSpec");
}

void LayerImpl::check_input_dtype(DType t, Phase phase) const {
  if (accepts_integer_input() && !is_floating(t)) return;
  checks::check_layer_float(t, {}, site_, phase);
}

// "the input of 'dense'", "the 2nd input of 'concatenate'": how an empty input is named.
static std::string input_argument(std::size_t i, std::size_t n, const std::string& layer) {
  return (n == 1 ? std::string("the input") : "the " + checks::ordinal(i) + " input") + " of '" +
         layer + "'";
}

static std::vector<Shape> shapes_of(const std::vector<Tensor>& xs) {
  std::vector<Shape> s;
  for (const auto& x : xs) s.push_back(x.shape());
  return s;
}

Tensor LayerImpl::call(const std::vector<Tensor>& inputs, const CallOptions& opts) {
  check_input_count(inputs.size(), Phase::run);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    checks::defined(inputs[i], [&] { return input_argument(i, inputs.size(), name_); }, site_,
                    Phase::run);
  std::unique_ptr<checks::ScopedCallContext> ctx;
  if (!checks::current_call_context()) {
    checks::CallContext c;
    for (const auto& x : inputs) c.input_desc.push_back("a tensor of shape " + x.shape().str());
    ctx = std::make_unique<checks::ScopedCallContext>(std::move(c));
  }
  int builtin = checked_->builtin.load(std::memory_order_relaxed);
  if (builtin < 0) checked_->builtin.store(builtin = detail::is_builtin(*this) ? 1 : 0);
  // Built-in layers only: a user's output_shape may do anything (user_layer.hpp).
  const bool cacheable = built_ && builtin;
  if (!cacheable || !checked_->contains(inputs)) {
    for (const auto& x : inputs)  // at run time the data's range says whether it is pixels
      if (x.dtype() != DType::f32 && !(accepts_integer_input() && !is_floating(x.dtype())))
        checks::check_layer_float(x.dtype(), numerics::integer_range(x), site_, Phase::run);
    if (const InputSpec* spec = input_spec())
      for (const auto& x : inputs) check_input_spec(*spec, x.shape(), site_, Phase::run, x.dtype());
    output_shape(shapes_of(inputs), Phase::run);
    if (cacheable) checked_->add(inputs);  // passed, checked against the built weights
  }
  if (!built_) ensure_built(shapes_of(inputs), Phase::run);
  if (check_numerics()) numerics::check_layer_inputs(inputs, site_);
  CurrentLayerScope layer_scope(shared_site_);
  // A built-in forward never reads the input shapes of a CallScope (only a user's
  // expect_shape does), so it runs without the list of shapes: two allocations a layer.
  if (builtin) return profiling::enabled() ? profiled_forward(inputs, opts) : forward(inputs, opts);
  const std::vector<Shape> shapes = shapes_of(inputs);
  const user_layer::CallScope inputs_scope(shapes);  // what expect_shape compares with
  Tensor out = profiling::enabled() ? profiled_forward(inputs, opts) : forward(inputs, opts);
  // A user's forward: a tensor, of the shape it was built for.
  user_layer::check_run_output(*this, shapes, out, build_outputs_, opts.training);
  return out;
}

// Times forward and charges to this layer every backward closure created by this call: the
// nodes between the output and the inputs.
Tensor LayerImpl::profiled_forward(const std::vector<Tensor>& inputs, const CallOptions& opts) {
  using Clock = std::chrono::steady_clock;
  const std::string label = name_ + " (" + type_ + ")";
  auto t0 = Clock::now();
  Tensor out = forward(inputs, opts);
  profiling::record(label, false, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& x : inputs) seen.insert(impl_of(x));
  std::vector<Tensor> stack{out};
  while (!stack.empty()) {
    Tensor t = stack.back();
    stack.pop_back();
    if (!t.defined() || !seen.insert(impl_of(t)).second || !t.grad_fn()) continue;
    GradNode& node = *t.grad_fn();
    node.backward = [inner = std::move(node.backward), label](const Tensor& d) {
      auto b0 = Clock::now();
      auto grads = inner(d);
      profiling::record(label, true, std::chrono::duration<double, std::milli>(Clock::now() - b0).count());
      return grads;
    };
    for (const auto& in : node.inputs) stack.push_back(in);
  }
  return out;
}

// Walks up from `x` to the layer that last changed its height and width (rank-4 tensors), so a
// spatial mismatch can name the step that produced the odd size.
static checks::SizeOrigin size_origin(const SymbolicTensor& x) {
  checks::SizeOrigin o;
  if (!x.defined() || x.shape().rank() != 4) return o;
  const SymbolicNode& t = x.node()->size_source ? *x.node()->size_source : *x.node();
  const auto& l = t.layer;
  if (!l) return o;
  auto hw = [](const Shape& s) { return dim_str(s[1]) + "x" + dim_str(s[2]); };
  o.layer = l->name();
  if (t.inputs.empty()) {
    o.sentence = "'" + l->name() + "' is an Input of " + hw(t.shape);
    return o;
  }
  const Shape &in = t.inputs[0].shape(), &out = t.shape;
  const std::string d = l->describe();
  o.facts = l->facts();
  const checks::WindowFacts& w = o.facts.window;
  if (w.present && w.is_kernel && !w.same_padding && w.sh == 1 && w.sw == 1 && in.rank() == 4) {
    o.valid_conv = true;
    o.same_h = in[1];
    o.same_w = in[2];
    o.sentence = "'" + l->name() + "' applies a " + std::to_string(w.kh) + "x" +
                 std::to_string(w.kw) + " kernel with padding \"valid\" to " + hw(in) +
                 ", giving " + hw(out);
  } else if (w.present && !w.is_kernel) {
    o.sentence = "'" + l->name() + "' pools " + hw(in) + " to " + hw(out) + " (" + d + ")";
  } else {
    o.sentence = "'" + l->name() + "' (" + l->type() + (d.empty() ? "" : " " + d) + ") turns " +
                 (in.rank() == 4 ? hw(in) : in.str()) + " into " + hw(out);
  }
  return o;
}

// Where size_origin's walk from a new node stops: the node whose first input has the same
// height and width passes the question on to that input's answer.
static const SymbolicNode* size_source(const Shape& out, const std::vector<SymbolicTensor>& inputs) {
  if (out.rank() != 4 || inputs.empty() || !inputs[0].defined()) return nullptr;
  const Shape& in = inputs[0].shape();
  if (in.rank() != 4 || in[1] != out[1] || in[2] != out[2]) return nullptr;
  const SymbolicNode* up = inputs[0].node().get();
  return up->size_source ? up->size_source : up;
}

SymbolicTensor LayerImpl::call(const std::vector<SymbolicTensor>& inputs) {
  check_input_count(inputs.size(), Phase::build);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    checks::defined(inputs[i], [&] { return input_argument(i, inputs.size(), name_); }, site_,
                    Phase::build);
  std::vector<Shape> shapes;
  checks::CallContext c;
  for (const auto& x : inputs) {
    check_input_dtype(x.dtype(), Phase::build);
    shapes.push_back(x.shape());
    c.input_desc.push_back(describe_input(x));
    c.origins.push_back(size_origin(x));
    c.producers.push_back(x.producer()->facts());
    c.producer_names.push_back(x.producer()->name());
    for (auto& line : provenance(x))
      if (std::find(c.provenance.begin(), c.provenance.end(), line) == c.provenance.end())
        c.provenance.push_back(line);
  }
  checks::ScopedCallContext scope(std::move(c));
  if (const InputSpec* spec = input_spec())
    for (const auto& x : inputs) check_input_spec(*spec, x.shape(), site_, Phase::build, x.dtype());
  Shape out = output_shape(shapes, Phase::build);
  // Every layer's output must be addressable (a rule that multiplies sizes may overflow).
  checks::checked_known_numel(out, site_, Phase::build);
  // Weights depend on feature sizes only, so a layer can be built from symbolic shapes.
  ensure_built(shapes, Phase::build);
  // tenet's layers declare their shapes; a user's call is run to learn and check its own.
  if (!detail::is_builtin(*this)) {
    out = user_layer::run_at_build(*this, inputs, out);
    user_layer::remember(build_outputs_, shapes, out);
  }
  auto node = std::make_shared<SymbolicNode>();
  node->shape = out;
  node->dtype = DType::f32;
  node->inputs = inputs;
  node->id = next_node_id();
  node->size_source = size_source(out, inputs);
  return SymbolicTensor(node);  // the Layer handle sets node->layer (needs the shared_ptr)
}

void LayerImpl::set_weights(const std::vector<Tensor>& values) {
  std::vector<Tensor> current = weights();
  std::vector<std::string> names = weight_names();
  std::vector<std::string> held;  // the names of the variables that exist (none before a call)
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < current.size(); ++i)
    held.push_back(i < names.size() ? names[i] : "variable " + std::to_string(i)),
        shapes.push_back(current[i].shape());
  checks::check_weight_count(held, shapes, values.size(), built_, site_);
  for (std::size_t i = 0; i < values.size(); ++i)
    checks::defined(values[i], [&] {
      return "the " + checks::ordinal(i) + " value given to set_weights of '" + name_ + "'";
    }, site_, Phase::load);
  for (std::size_t i = 0; i < values.size(); ++i)
    checks::check_weight_fits(i, i < names.size() ? names[i] : std::string("?"),
                              current[i].shape(), current[i].dtype(), values[i].shape(),
                              values[i].dtype(), site_);
  const std::vector<bool> nonnegative = variable_nonnegative();
  for (std::size_t i = 0; i < values.size() && i < nonnegative.size(); ++i) {
    const checks::NegativeValues found =
        nonnegative[i] ? numerics::negatives(values[i], negative_tolerance()) : checks::NegativeValues{};
    if (found.count == 0) continue;
    std::string order;
    for (const auto& n : held) order += (order.empty() ? "" : ", ") + n;
    checks::negative_weight({.saving = false, .path = {}, .name = held[i], .order = order,
                             .shape = values[i].shape(), .found = found},
                            facts(), site_);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    Tensor dst = current[i];
    std::memcpy(written_bytes(dst), values[i].raw_data(), values[i].nbytes());
  }
}

std::vector<bool> LayerImpl::trainable() const {
  std::vector<bool> mask = variable_trainable();
  if (!trainable_) mask.assign(mask.size(), false);
  return mask;
}

std::int64_t LayerImpl::param_count(bool trainable_only) const {
  std::int64_t n = 0;
  auto ws = weights();
  auto tr = trainable();
  for (std::size_t i = 0; i < ws.size(); ++i)
    if (!trainable_only || (i < tr.size() && tr[i])) n += ws[i].numel();
  return n;
}

// ---- Layer handle ----
// Every member of the handle goes through here: an empty Layer() is the user's mistake.
LayerImpl& Layer::checked(const char* member) const {
  if (!impl_)
    checks::empty_handle(std::string("the Layer whose ") + member + " was called", "Layer",
                         Site("Layer", "handle"), Phase::build);
  return *impl_;
}

SymbolicTensor Layer::operator()(const SymbolicTensor& x, std::source_location loc) const {
  return (*this)(std::vector{x}, loc);
}

SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& xs,
                                 std::source_location loc) const {
  LayerImpl& l = checked("operator()");
  const ScopedUserCall user(nullptr, loc);
  const ScopedLayerCall call(l.name(), loc);
  SymbolicTensor out = l.call(xs);
  out.node()->layer = impl_;
  out.node()->call_loc = loc;
  return out;
}

Tensor Layer::operator()(const Tensor& x, CallOptions opts, std::source_location loc) const {
  return (*this)(std::vector<Tensor>{x}, opts, loc);
}

Tensor Layer::operator()(const std::vector<Tensor>& xs, CallOptions opts,
                         std::source_location loc) const {
  LayerImpl& l = checked("operator()");
  const ScopedUserCall user(nullptr, loc);
  const ScopedLayerCall call(l.name(), loc);
  return l.call(xs, opts);
}

const std::string& Layer::name() const { return checked("name()").name(); }
const std::string& Layer::type() const { return checked("type()").type(); }
std::vector<Tensor> Layer::weights() const { return checked("weights()").weights(); }
void Layer::set_weights(const std::vector<Tensor>& values) const {
  checked("set_weights()").set_weights(values);
}
std::int64_t Layer::count_params() const { return checked("count_params()").param_count(); }
bool Layer::trainable() const { return checked("trainable()").is_trainable(); }
void Layer::set_trainable(bool on) const { checked("set_trainable()").set_trainable(on); }

}  // namespace tenet
