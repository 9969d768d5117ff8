// Model construction (graph, contracts), introspection (layers, weights, summary, to_dot).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include "core/contracts/graph_checks.hpp"
#include "core/training/model_state.hpp"
#include "core/base/text_escape.hpp"

namespace tenet {

namespace {

// Depth-first post-order (inputs before the call that uses them), with an explicit stack so a
// chain of any length fits: each entry is a node and how many of its inputs were pushed.
std::vector<std::shared_ptr<SymbolicNode>> topo_sort(const std::vector<SymbolicTensor>& outputs) {
  std::vector<std::shared_ptr<SymbolicNode>> order;
  std::unordered_set<const SymbolicNode*> seen;
  std::vector<std::pair<std::shared_ptr<SymbolicNode>, std::size_t>> stack;
  for (const auto& o : outputs) {
    if (!seen.insert(o.node().get()).second) continue;
    stack.emplace_back(o.node(), 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        const auto& in = node->inputs[next++].node();
        if (seen.insert(in.get()).second) stack.emplace_back(in, 0);
        continue;
      }
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

std::string list_inputs(const std::vector<SymbolicTensor>& xs) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : ", ") + x.name() + " " + x.shape().str();
  return s.empty() ? "none" : s;
}

void check_graph(Model::State& st) {
  std::set<const SymbolicNode*> listed;
  for (std::size_t i = 0; i < st.inputs.size(); ++i)
    if (!listed.insert(st.inputs[i].node().get()).second)
      // Fed twice, one Input takes the second array only: the first was silently ignored.
      checks::input_listed_twice(st.inputs[i].name(), list_inputs(st.inputs), st.site);
  std::vector<SymbolicTensor> missing, used;
  for (const auto& n : st.nodes)
    if (n->inputs.empty()) {
      SymbolicTensor t(n);
      (listed.count(n.get()) ? used : missing).push_back(t);
    }
  if (!missing.empty())
  {
    std::vector<std::string> listed;
    for (const auto& i : st.inputs) listed.push_back(i.name());
    checks::input_not_listed(listed, list_inputs(st.inputs), missing[0].name(),
                             list_inputs(missing), st.site);
  }
  for (const auto& in : st.inputs)
    if (std::none_of(used.begin(), used.end(), [&](const auto& u) { return u.node() == in.node(); }))
      checks::input_unused(in.name(), in.shape(), st.site);
  std::map<std::string, const LayerImpl*> names;
  for (const auto& l : st.layers) {
    auto [it, fresh] = names.emplace(l->name(), l.get());
    if (!fresh)
      checks::duplicate_layer_name(l->name(), it->second->type(), l->type(), st.site);
  }
}

}  // namespace

Model::Model(std::vector<SymbolicTensor> inputs, std::vector<SymbolicTensor> outputs,
             std::string name, std::source_location loc)
    : s_(std::make_shared<State>()) {
  s_->name = name.empty() ? unique_layer_name("functional") : name;
  s_->site = Site(s_->name, "Model", loc);
  s_->inputs = std::move(inputs);
  s_->outputs = std::move(outputs);
  for (std::size_t i = 0; i < s_->inputs.size(); ++i)
    checks::defined(s_->inputs[i], "the " + checks::ordinal(i) + " input of Model", s_->site,
                    Phase::build);
  for (std::size_t i = 0; i < s_->outputs.size(); ++i)
    checks::defined(s_->outputs[i], "the " + checks::ordinal(i) + " output of Model", s_->site,
                    Phase::build);
  if (s_->outputs.empty())
    checks::no_outputs(s_->site);
  s_->nodes = topo_sort(s_->outputs);
  s_->layers = keras_layer_order(s_->outputs);
  check_graph(*s_);
  for (std::size_t i = 0; i < s_->inputs.size(); ++i) s_->input_index[s_->inputs[i].node().get()] = i;
  for (const auto& n : s_->nodes) {
    checks::CallContext c;
    for (const auto& in : n->inputs) {
      c.input_desc.push_back(describe_input(in));
      for (auto& line : provenance(in))
        if (std::find(c.provenance.begin(), c.provenance.end(), line) == c.provenance.end())
          c.provenance.push_back(line);
    }
    s_->contexts[n.get()] = std::move(c);
  }
  s_->steps = fusion::plan(s_->nodes, s_->outputs);
}

Model::Model(std::vector<SymbolicTensor> inputs, SymbolicTensor output, std::string name,
             std::source_location loc)
    : Model(std::move(inputs), std::vector<SymbolicTensor>{std::move(output)}, std::move(name), loc) {}

Model::Model(SymbolicTensor input, SymbolicTensor output, std::string name, std::source_location loc)
    : Model(std::vector<SymbolicTensor>{std::move(input)}, std::vector<SymbolicTensor>{std::move(output)},
            std::move(name), loc) {}

static SymbolicTensor chain(std::vector<SequentialItem>& items, std::source_location loc) {
  const Site site("sequential", "Sequential", loc);
  for (std::size_t i = 0; i < items.size(); ++i)  // an element holding neither an Input nor a layer
    if (!items[i].input.defined() && !items[i].layer.defined())
      checks::empty_handle("the " + checks::ordinal(i) + " element of Sequential",
                           i == 0 ? "SymbolicTensor" : "Layer", site, Phase::build);
  if (items.empty() || !items[0].input.defined())
    checks::sequential_start(items.empty(), site);
  SymbolicTensor x = items[0].input;
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (!items[i].layer.impl())
      checks::sequential_input_inside(i, site);
    x = items[i].layer(x, loc);
  }
  return x;
}

Sequential::Sequential(std::vector<SequentialItem> items, std::string name, std::source_location loc)
    : Model(std::vector<SymbolicTensor>{items.empty() ? SymbolicTensor() : items[0].input},
            chain(items, loc), name.empty() ? unique_layer_name("sequential") : name, loc) {
  model_state(*this)->sequential = true;
}

const std::string& Model::name() const { return s_->name; }
const std::vector<SymbolicTensor>& Model::inputs() const { return s_->inputs; }
const std::vector<SymbolicTensor>& Model::outputs() const { return s_->outputs; }

std::vector<Layer> Model::layers() const {
  std::vector<Layer> out;
  for (const auto& l : s_->layers) out.emplace_back(l);
  return out;
}

Layer Model::get_layer(const std::string& name) const {
  for (const auto& l : s_->layers)
    if (l->name() == name) return Layer(l);
  std::vector<std::string> names;
  for (const auto& l : s_->layers) names.push_back(l->name());
  checks::no_layer_named(name, names, s_->site);
}

std::vector<Tensor> Model::weights() const {
  std::vector<Tensor> out;
  for (const auto& l : s_->layers)
    for (auto& w : l->weights()) out.push_back(w);
  return out;
}

std::vector<Tensor> Model::trainable_weights() const {
  std::vector<Tensor> out;
  for (const auto& l : s_->layers) {
    auto ws = l->weights();
    auto tr = l->trainable();
    for (std::size_t i = 0; i < ws.size(); ++i)
      if (i < tr.size() && tr[i]) out.push_back(ws[i]);
  }
  return out;
}

std::int64_t Model::count_params() const {
  std::int64_t n = 0;
  for (const auto& l : s_->layers) n += l->param_count();
  return n;
}

Optimizer Model::optimizer() const { return s_->compiled.optimizer; }

// ---- summary ----

static std::string with_commas(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

static std::string human_bytes(std::int64_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else if (bytes < 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f KB", bytes / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.2f MB", bytes / (1024.0 * 1024.0));
  return buf;
}

// Widest layer name and "Connected to" cell of a summary row; longer ones end in "...".
constexpr std::size_t kNameCell = 60, kConnectedCell = 100;

// A text table: a rule, the header (rows[0], which sets each column's least width), a double
// rule, the rows, a rule. `right` aligns a column to the right (numbers).
static std::string table(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right) {
  std::vector<std::size_t> w(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
  auto rule = [&](char ch) {
    std::string line = "+";
    for (std::size_t width : w) line += std::string(width + 2, ch) + "+";
    return line + "\n";
  };
  std::string o = rule('-');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    o += "|";
    for (std::size_t c = 0; c < w.size(); ++c) {
      const std::string pad(w[c] - rows[i][c].size(), ' ');
      o += " " + (right[c] ? pad + rows[i][c] : rows[i][c] + pad) + " |";
    }
    o += "\n";
    if (i == 0) o += rule('=');
  }
  return o + rule('-');
}

std::string Model::summary_text() const {
  // One row per layer, as Keras lists model.layers: a layer called twice (shared weights) is
  // one row whose shape is "multiple" when its calls differ and whose inputs are every call's.
  // A "Trainable" column (Keras's show_trainable) appears once a layer with weights is frozen.
  bool frozen = false;
  for (const auto& l : s_->layers) frozen = frozen || (!l->is_trainable() && !l->weights().empty());
  std::vector<std::vector<std::string>> rows = {{"Layer (type)", "Output Shape", "Param #", "Connected to"}};
  if (frozen) rows[0].push_back("Trainable");
  std::map<const LayerImpl*, std::size_t> row_of;
  for (const auto& n : s_->nodes) {
    std::string inputs;
    for (const auto& in : n->inputs) inputs += (inputs.empty() ? "" : ", ") + text::shortened(in.name(), kNameCell);
    const auto [it, fresh] = row_of.emplace(n->layer.get(), rows.size());
    if (!fresh) {  // another call of a shared layer
      auto& r = rows[it->second];
      if (r[1] != n->shape.str()) r[1] = "multiple";
      r[3] += (r[3].empty() || inputs.empty() ? "" : ", ") + inputs;
      continue;
    }
    // Names are user text: control characters shown as escapes, long cells cut with "...".
    const LayerImpl& l = *n->layer;
    rows.push_back({text::shortened(l.name(), kNameCell) + " (" + text::printable(l.type()) + ")",
                    n->shape.str(), with_commas(l.param_count()), inputs});
    if (frozen) rows.back().push_back(l.weights().empty() ? "-" : l.is_trainable() ? "Y" : "N");
  }
  for (std::size_t i = 1; i < rows.size(); ++i) {
    rows[i][3] = text::shortened(rows[i][3], kConnectedCell);
    if (rows[i][3].empty()) rows[i][3] = "-";
  }
  std::ostringstream o;
  o << "Model: " << text::quoted(s_->name, kNameCell) << "\n" << table(rows, {false, false, true, false, false});
  std::int64_t total = count_params(), trainable = 0;
  for (const auto& l : s_->layers) trainable += l->param_count(true);
  o << " Total params: " << with_commas(total) << " (" << human_bytes(total * 4) << ")\n";
  o << " Trainable params: " << with_commas(trainable) << " (" << human_bytes(trainable * 4) << ")\n";
  o << " Non-trainable params: " << with_commas(total - trainable) << " ("
    << human_bytes((total - trainable) * 4) << ")\n";
  return o.str();
}

void Model::summary() const { std::cout << summary_text() << std::flush; }

std::string Model::to_dot() const {
  std::ostringstream o;
  // Every name is user text: text::dot keeps it inside its quoted string (and, in the record
  // labels, inside its field), whatever it holds.
  const std::string model_name = text::dot(s_->name);
  o << "digraph \"" << model_name << "\" {\n"
    << "  graph [rankdir=TB, fontname=\"Helvetica\", label=\"" << model_name << "\", labelloc=t];\n"
    << "  node [shape=record, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
       "fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";
  std::map<const SymbolicNode*, int> ids;
  for (const auto& n : s_->nodes) {
    int id = static_cast<int>(ids.size());
    ids[n.get()] = id;
    std::string d = n->layer->describe();
    o << "  n" << id << " [label=\"{" << text::dot(n->layer->name(), true) << " : "
      << text::dot(n->layer->type(), true) << (d.empty() ? "" : "|" + text::dot(d, true))
      << "|out: " << text::dot(n->shape.str(), true) << "}\"";
    if (n->inputs.empty()) o << ", fillcolor=\"#fdf1d6\"";
    o << "];\n";
  }
  for (const auto& n : s_->nodes)
    for (const auto& in : n->inputs)
      o << "  n" << ids[in.node().get()] << " -> n" << ids[n.get()] << " [label=\" "
        << text::dot(in.shape().str()) << "\"];\n";
  o << "}\n";
  return o.str();
}

}  // namespace tenet
