// Model::check_data: the input.* and batch.mismatch contracts, and the labels against the
// loss, checked before any step runs.
#include <algorithm>

#include "core/contracts/input_checks.hpp"
#include "core/tensor/numerics.hpp"
#include "core/training/model_state.hpp"

namespace tenet {

namespace {

struct SizeDep {
  bool hw = false, features = false;  // the height/width, or features made of them, follow the Input's
  std::string flatten;                // the layer that made those features
};

// How the layers after `input` use its height and width, read from their facts in graph order:
// windows keep following the size, global pooling and Resizing end it, a Flatten turns it into a
// feature count, and a layer whose weights were built for that count (Dense, BatchNorm), a
// Reshape, or a join with a branch of another size needs the declared size.
checks::SizeUse spatial_use(const Model::State& s, const SymbolicNode* input) {
  checks::SizeUse use;
  std::map<const SymbolicNode*, SizeDep> dep{{input, {true, false, {}}}};
  auto note = [](std::vector<std::string>& v, std::string line) {
    if (std::find(v.begin(), v.end(), line) == v.end()) v.push_back(std::move(line));
  };
  for (const auto& n : s.nodes) {
    SizeDep in;
    std::size_t following = 0;
    for (const auto& x : n->inputs)
      if (auto it = dep.find(x.node().get()); it != dep.end() && (it->second.hw || it->second.features)) {
        ++following;
        in.hw |= it->second.hw;
        in.features |= it->second.features;
        if (!it->second.flatten.empty()) in.flatten = it->second.flatten;
      }
    if (following == 0 || n->inputs.empty()) continue;
    const checks::LayerFacts f = n->layer->facts();
    const std::string who = "'" + n->layer->name() + "' (" + n->layer->type() + ")";
    SizeDep out = in;
    using R = checks::SizeRule;
    if (f.size_rule == R::flattens) {
      out = {false, true, who};
      use.flattened = true;
    } else if (f.size_rule == R::pools_away || f.size_rule == R::resizes) {
      out = {};
      note(use.free, who);
    } else if (f.size_rule == R::windows) {
      note(use.free, who);
    } else if (f.size_rule == R::reshapes) {
      note(use.fixers, who + " reshapes to " + n->shape.str() + ", which needs the declared size");
      out = {};
    } else if (f.size_rule == R::joins && following < n->inputs.size()) {
      note(use.fixers, who + " joins it with a branch whose size does not follow the Input");
      out = {};
    } else if (in.features && f.built_last_axis >= 0) {
      note(use.fixers, who + " was built for " + std::to_string(f.built_last_axis) +
                           " features, the count " + in.flatten + " makes of the declared size");
      out = {};
    }
    dep[n.get()] = out;
  }
  return use;
}

// How the layers after `input` use the size of its last axis (features, or channels), read
// from their facts in graph order: a layer whose weights were built for that size (Dense,
// Conv2D, BatchNorm) or a Reshape fixes it and ends the path; a join or a Flatten passes it on
// inside a larger count (said in `how`); every other layer keeps it and works on any count.
void feature_use(const Model::State& s, const SymbolicNode* input, checks::SizeUse& use) {
  struct Path {
    std::string unit, how;  // "channels"; ", the count 'flat' (Flatten) makes of them"
  };
  std::map<const SymbolicNode*, Path> paths{
      {input, {input->shape.rank() == 4 ? "channels" : "features", ""}}};
  for (const auto& n : s.nodes) {
    const Path* in = nullptr;
    for (const auto& x : n->inputs)
      if (auto it = paths.find(x.node().get()); it != paths.end()) in = &it->second;
    if (!in || n->inputs.empty()) continue;
    const checks::LayerFacts f = n->layer->facts();
    const std::string who = "'" + n->layer->name() + "' (" + n->layer->type() + ")";
    using R = checks::SizeRule;
    if (f.built_last_axis >= 0) {
      const std::string unit = f.built_last_axis == 1 ? in->unit.substr(0, in->unit.size() - 1)
                                                      : in->unit;  // "1 channel"
      use.feature_fixers.push_back(who + " was built for " + std::to_string(f.built_last_axis) +
                                   " " + unit + " (its " + f.built_weight + ")" + in->how);
    } else if (f.size_rule == R::reshapes) {
      use.feature_fixers.push_back(who + " reshapes to " + n->shape.str() +
                                   ", which needs the declared count");
    } else if (f.size_rule == R::flattens) {
      paths[n.get()] = {"features", ", the count " + who + " makes of the declared size"};
    } else if (f.size_rule == R::joins && n->inputs.size() > 1) {
      paths[n.get()] = {in->unit, ", counting the branches " + who + " joins with the Input"};
    } else {
      use.feature_free.push_back(who);
      paths[n.get()] = *in;
    }
  }
}

// batch.mismatch: every input array, and the labels, hold one entry per sample.
void check_sample_counts(const std::vector<SymbolicTensor>& ins, const std::vector<Tensor>& x,
                         const Tensor* y, const Site& where) {
  checks::SampleArrays a;
  for (const auto& in : ins) a.names.push_back(in.name()), a.declared.push_back(in.shape());
  for (const auto& t : x) a.inputs.push_back(t.shape());
  const Shape labels = y ? y->shape() : Shape();
  checks::check_sample_counts(a, y ? &labels : nullptr, where);
}

// True when x (and y's sample count) passes every check of check_data below but the labels':
// a call with fitting data builds none of the names, shapes and Sites a message needs.
bool data_fits(const std::vector<SymbolicTensor>& ins, const std::vector<Tensor>& x,
               const Tensor* y) {
  if (x.empty() || x.size() != ins.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Shape& declared = ins[i].shape();
    if (x[i].dtype() != ins[i].dtype() || x[i].rank() == 0 || x[i].rank() != declared.rank() ||
        x[i].dim(0) != x[0].dim(0) || !checks::differing_axes(declared, x[i].shape()).empty())
      return false;
  }
  return !y || (y->rank() > 0 && y->dim(0) == x[0].dim(0));
}

// check_data's checks of the arrays, each raising its own contract error.
void check_arrays(const Model::State& s, const std::vector<Tensor>& x, const Tensor* y) {
  const auto& ins = s.inputs;
  std::vector<std::string> names;
  std::vector<Shape> shapes;
  for (const auto& in : ins) names.push_back(in.name()), shapes.push_back(in.shape());
  checks::check_input_count(names, shapes, x.size(), s.site);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto& in = ins[i];
    const Site where = in.producer()->site();
    if (x[i].dtype() != in.dtype())
      checks::check_input_dtype(in.name(), in.dtype(), in.shape(), x[i].dtype(), x[i].shape(),
                                numerics::integer_range(x[i]), where);
    checks::check_input_rank(in.name(), in.shape(), x[i].shape(), i, where);
    if (!checks::differing_axes(in.shape(), x[i].shape()).empty()) {
      checks::SizeUse use = spatial_use(s, in.node().get());
      feature_use(s, in.node().get(), use);
      checks::check_input_shape(in.name(), in.shape(), x[i].shape(), use, where);
    }
  }
  check_sample_counts(ins, x, y, s.site);
}

}  // namespace

void Model::check_data(const std::vector<Tensor>& x, const Tensor* y, Phase phase,
                       std::source_location loc) const {
  (void)phase;
  const ScopedUserCall user("model.check_data", loc);
  check_handles(x, y, "check_data", call_site(*s_, "check_data"));
  const auto& ins = s_->inputs;
  if (!data_fits(ins, x, y)) check_arrays(*s_, x, y);
  if (!y) return;
  if (s_->is_compiled && s_->compiled.loss.defined()) {
    const auto& loss = s_->compiled.loss.impl();
    loss->check_labels(s_->outputs[0].shape(), *y, Phase::run, Site(loss->name(), "Loss"));
  }
}

}  // namespace tenet
