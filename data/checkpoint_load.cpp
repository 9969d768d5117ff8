// Model::load_weights: validates the whole file against the model before changing anything.
// Every value is read into temporaries first; the model (and its optimizer) is written only
// when nothing is left to fail.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/checkpoint_checks.hpp"
#include "data/checkpoint.hpp"
#include "data/checkpoint_file.hpp"
#include "data/hdf5_guard.hpp"

namespace tenet::data::detail {
namespace {

std::string list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& x : items) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string describe(const Tensor& w, const std::string& name, bool with_dtype) {
  return name + " " + w.shape().str() + (with_dtype ? std::string(" ") + dtype_name(w.dtype()) : "");
}

std::string describe_model_vars(const LayerImpl& l) {
  const auto ws = l.weights();
  const auto names = l.weight_names();
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < ws.size(); ++i)
    parts.push_back(describe(ws[i], i < names.size() ? names[i] : "variable " + std::to_string(i), false));
  return parts.empty() ? "no variables" : list(parts);
}

// "layers/dense_1 (your layer 'head')": the file's group, which Keras names by class and order,
// beside the name the user gave the layer when it differs.
std::string group_and_layer(const std::string& group, const LayerImpl& l) {
  return "layers/" + group + (l.name() == group ? "" : " (your layer '" + l.name() + "')");
}

// The differences between one layer group of the file and the model's layer.
std::vector<std::string> compare_layer(const std::string& group, const LayerImpl& l,
                                       const FileVars& f) {
  const std::string at = group_and_layer(group, l) + ": ";
  if (!f.problem.empty()) return {at + "file has " + f.problem};
  const auto ws = l.weights();
  const auto names = l.weight_names();
  if (f.vars.size() != ws.size())
    return {at + "file has " + std::to_string(f.vars.size()) + " variable" +
            (f.vars.size() == 1 ? "" : "s") + " (" + f.describe() + "), model has " +
            std::to_string(ws.size()) + " (" + describe_model_vars(l) + ")"};
  std::vector<std::string> diffs;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    const FileVar& v = f.vars[i];
    const bool dtype_differs = !v.dtype_known || v.dtype != ws[i].dtype();
    if (v.shape == ws[i].shape() && !dtype_differs) continue;
    diffs.push_back(at + "file has " + v.describe(dtype_differs) + ", model has " +
                    describe(ws[i], i < names.size() ? names[i] : "variable " + std::to_string(i),
                             dtype_differs));
  }
  return diffs;
}

struct Plan {
  std::vector<std::pair<std::shared_ptr<LayerImpl>, std::vector<Tensor>>> layers;
  bool load_optimizer = false;
  std::int64_t iterations = 0;
  double learning_rate = 0;
  std::vector<std::vector<Tensor>> slots;
  std::vector<std::string> differences;  // layer mismatches: refused unless skip_mismatch
  std::vector<std::string> warnings;     // optimizer state that does not fit: skipped, as Keras
};

void plan_layers(const CheckpointFile& file, const ModelVariables& s, Plan& plan) {
  std::vector<std::string> expected;
  for (const auto& [group, layer] : layer_groups(s)) {
    expected.push_back(group);
    const std::string vars = "layers/" + group + "/vars";
    if (!file.has_group(vars)) {
      if (is_input_group(group)) continue;  // Keras's Sequential files have no Input groups
      plan.differences.push_back("layers/" + group + ": missing in the file; model has '" +
                                 layer->name() + "' (" + layer->type() + ") with " +
                                 describe_model_vars(*layer));
      continue;
    }
    const FileVars f = file.vars(vars);
    auto diffs = compare_layer(group, *layer, f);
    if (!diffs.empty()) {
      plan.differences.insert(plan.differences.end(), diffs.begin(), diffs.end());
      continue;
    }
    std::vector<Tensor> values = file.read(vars, layer->weights());
    check_layer_values(file.path(), group, *layer, values);
    plan.layers.emplace_back(layer, std::move(values));
  }
  for (const auto& group : file.children("layers")) {
    if (std::find(expected.begin(), expected.end(), group) != expected.end()) continue;
    if (is_input_group(group)) continue;
    const std::string vars = "layers/" + group + "/vars";
    const FileVars f = file.has_group(vars) ? file.vars(vars) : FileVars{};
    plan.differences.push_back("layers/" + group + ": in the file only (" + f.describe() +
                               "); the model has no layer in that place");
  }
}

// The trainable variables in the optimizer's order; `names` gets "kernel of layer 'dense_3'".
std::vector<Tensor> trainable_vars(const ModelVariables& s, std::vector<std::string>* names = nullptr) {
  std::vector<Tensor> out;
  for (const auto& l : s.layers) {
    const auto ws = l->weights();
    const auto tr = l->trainable();
    const auto wn = names ? l->weight_names() : std::vector<std::string>{};
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (i >= tr.size() || !tr[i]) continue;
      out.push_back(ws[i]);
      if (names)
        names->push_back((i < wn.size() ? wn[i] : "variable " + std::to_string(i)) +
                         " of layer '" + l->name() + "'");
    }
  }
  return out;
}

// The optimizer's state loads when it fits the compiled optimizer; otherwise it is skipped
// with a warning, as Keras does, and the optimizer starts afresh.
// The learning rate to restore: the exact value tenet writes beside Keras's float32 variable
// when it rounds to that variable, else the variable itself (a Keras file, or one whose
// variable another tool changed).
double restored_learning_rate(const CheckpointFile& file, double stored) {
  const std::string exact = file.group_attr("optimizer/vars", kExactLearningRate);
  if (exact.empty()) return stored;
  char* end = nullptr;
  const double d = std::strtod(exact.c_str(), &end);
  const bool rounds_to_stored = static_cast<float>(d) == static_cast<float>(stored);
  return end && *end == '\0' && std::isfinite(d) && d > 0 && rounds_to_stored ? d : stored;
}

// Keras names an optimizer's group after its class, snake_cased and numbered when a process made
// several ("adam", "adam_2", "rm_sprop_3"): those are all the same optimizer.
bool same_optimizer_name(std::string theirs, const std::string& mine) {
  const auto digits = theirs.find_last_not_of("0123456789");
  if (digits != std::string::npos && digits + 1 < theirs.size() && theirs[digits] == '_')
    theirs.erase(digits);
  std::erase(theirs, '_');
  return theirs == mine;
}

void plan_optimizer(const CheckpointFile& file, const ModelVariables& s, Plan& plan) {
  OptimizerImpl* opt = model_optimizer(s);
  if (!opt || !file.has_group("optimizer/vars")) return;  // not compiled, or no saved state
  const FileVars f = file.vars("optimizer/vars");
  const std::string theirs = file.group_name("optimizer/vars"), mine = keras_optimizer_name(*opt);
  std::vector<std::string> var_names;
  const auto vars = trainable_vars(s, &var_names);
  const std::size_t k = optimizer_slot_count(*opt);
  // Keras's file: iteration, learning_rate (not with a schedule), the slots in Keras's order.
  const bool lr_var = !opt->schedule().defined();
  const std::size_t head = lr_var ? 2 : 1;
  std::vector<Tensor> like{Tensor::zeros(Shape(), DType::i64)};
  if (lr_var) like.push_back(Tensor::zeros(Shape()));
  const auto order = slot_file_order(*opt, vars.size());
  if (f.vars.size() > head)  // iteration and rate only: saved before the first step, no slots
    for (const auto& [i, j] : order) like.push_back(vars[i]);
  std::string problem;
  if (!theirs.empty() && !same_optimizer_name(theirs, mine)) problem = "the file holds '" + theirs + "' state";
  else if (!f.problem.empty()) problem = "the file has " + f.problem;
  else if (f.vars.size() != like.size())
    problem = "the file has " + std::to_string(f.vars.size()) + " variables, this " + mine +
              " needs " + std::to_string(like.size()) + " (iteration, " +
              (lr_var ? "learning_rate " : "no learning_rate (a schedule drives it) ") + "and " +
              std::to_string(k) + " slot(s) for each of " + std::to_string(vars.size()) +
              " trainable variables)";
  for (std::size_t i = 0; problem.empty() && i < like.size(); ++i) {
    const FileVar& v = f.vars[i];
    const bool lr_ok = lr_var && i == 1 && v.dtype_known &&
                       (v.dtype == DType::f32 || v.dtype == DType::f64);
    if (v.shape == like[i].shape() && (lr_ok || (v.dtype_known && v.dtype == like[i].dtype())))
      continue;
    problem = "the file has " + v.describe(true) + ", the model's optimizer needs " +
              like[i].shape().str() + " " + dtype_name(like[i].dtype());
  }
  if (!problem.empty()) {
    plan.warnings.push_back("optimizer: " + problem + "; the compiled " + mine +
                            " keeps its current state");
    return;
  }
  if (lr_var) like[1] = Tensor::zeros(Shape(), f.vars[1].dtype);
  const std::vector<Tensor> read = file.read("optimizer/vars", like);
  // In tenet's order from here: iteration, rate, then each variable's slots in turn.
  std::vector<Tensor> values{read[0], lr_var ? read[1] : Tensor::scalar(opt->learning_rate())};
  std::vector<std::vector<Tensor>> slots(read.size() > head ? vars.size() : 0,
                                         std::vector<Tensor>(k));
  for (std::size_t n = 0; n < order.size() && read.size() > head; ++n)
    slots[order[n].first][order[n].second] = read[head + n];
  for (const auto& per_var : slots) values.insert(values.end(), per_var.begin(), per_var.end());
  check_optimizer_values(file.path(), *opt, values, var_names);
  plan.load_optimizer = true;
  plan.iterations = values[0].data<std::int64_t>()[0];
  plan.learning_rate = lr_var ? restored_learning_rate(file, values[1].item()) : 0.0;
  plan.slots = std::move(slots);
}

Plan make_plan(const CheckpointFile& file, const ModelVariables& s, bool skip_mismatch) {
  Plan plan;
  plan_layers(file, s, plan);
  if (plan.differences.empty() || skip_mismatch) plan_optimizer(file, s, plan);
  return plan;
}

// The plan as the reading process sends it back: layers by their place in layer_groups().
void put_plan(WireOut& out, const Plan& plan, const ModelVariables& s) {
  const auto groups = layer_groups(s);
  out.u64(plan.layers.size());
  for (const auto& [layer, values] : plan.layers) {
    std::size_t i = 0;
    while (i < groups.size() && groups[i].layer != layer) ++i;
    out.u64(i);
    out.tensors(values);
  }
  out.u64(plan.load_optimizer);
  out.u64(static_cast<std::uint64_t>(plan.iterations));
  out.f64(plan.learning_rate);
  out.u64(plan.slots.size());
  for (const auto& slot : plan.slots) out.tensors(slot);
  out.strs(plan.differences);
  out.strs(plan.warnings);
}

// Values that do not fit their variables here mean the reading process's memory was corrupted.
bool fit(const std::vector<Tensor>& values, const std::vector<Tensor>& vars) {
  bool ok = values.size() == vars.size();
  for (std::size_t j = 0; ok && j < vars.size(); ++j)
    ok = values[j].shape() == vars[j].shape() && values[j].dtype() == vars[j].dtype();
  return ok;
}

Plan get_plan(WireIn& in, const ModelVariables& s) {
  const auto groups = layer_groups(s);
  Plan plan;
  for (std::uint64_t n = in.u64(), k = 0; k < n; ++k) {
    const std::uint64_t i = in.u64();
    std::vector<Tensor> values = in.tensors();
    if (i >= groups.size() || !fit(values, groups[i].layer->weights()))
      in.fail("values for a layer the model does not have, or of other shapes");
    plan.layers.emplace_back(groups[i].layer, std::move(values));
  }
  plan.load_optimizer = in.u64() != 0;
  plan.iterations = static_cast<std::int64_t>(in.u64());
  plan.learning_rate = in.f64();
  OptimizerImpl* opt = model_optimizer(s);
  if (plan.load_optimizer && !opt) in.fail("optimizer state for a model without an optimizer");
  const auto vars = trainable_vars(s);
  const std::uint64_t slots = in.u64();
  if (slots != 0 && (!plan.load_optimizer || slots != vars.size()))
    in.fail(std::to_string(slots) + " optimizer slot lists for " + std::to_string(vars.size()) +
            " trainable variables");
  const std::size_t per_var = slots != 0 ? optimizer_slot_count(*opt) : 0;
  for (const auto& v : vars) {
    if (plan.slots.size() == slots) break;
    plan.slots.push_back(in.tensors());
    if (!fit(plan.slots.back(), std::vector<Tensor>(per_var, v)))
      in.fail("optimizer slots that do not fit the optimizer's variables");
  }
  plan.differences = in.strs();
  plan.warnings = in.strs();
  return plan;
}

[[noreturn]] void refuse(const std::string& path, const ModelVariables& s, const Plan& plan,
                         std::size_t layer_count, std::size_t file_count) {
  checks::weights_file_mismatch({path, s.name, layer_count, file_count, plan.differences},
                                s.site);
}

}  // namespace

std::vector<std::string> load_keras_weights(const ModelVariables& s, const std::string& path,
                                            const WeightsLoadOptions& options) {
  // The file is read and checked against the model in a separate process (data/hdf5_guard.hpp),
  // which sends the plan back; the model itself is written only here, once nothing can fail.
  // The tenet-h5-reader helper (a multi-threaded program) has no model: it sends the file's
  // contents, and the plan is made here from them.
  const HelperRead helper{"load_weights", {}};
  WireIn in = read_in_child(path, "weights file", [&](WireOut& out) {
    const CheckpointFile file(path);
    put_plan(out, make_plan(file, s, options.skip_mismatch), s);
    out.u64(file.children("layers").size());
  }, &helper);
  Plan plan;
  std::size_t file_count = 0;
  if (last_read_path() == ReadPath::spawned) {
    const CheckpointFile file(in, path);
    plan = make_plan(file, s, options.skip_mismatch);
    file_count = file.children("layers").size();
  } else {
    plan = get_plan(in, s);
    file_count = in.u64();
  }
  in.finish();
  if (!plan.differences.empty() && !options.skip_mismatch)
    refuse(path, s, plan, layer_groups(s).size(), file_count);
  // Nothing below can fail: every value has been read and checked against its variable.
  for (const auto& [layer, values] : plan.layers) layer->set_weights(values);
  if (plan.load_optimizer) {
    OptimizerImpl* opt = model_optimizer(s);
    opt->set_state(plan.iterations, std::move(plan.slots));
    if (!opt->schedule().defined()) opt->set_learning_rate(plan.learning_rate);
  }
  std::vector<std::string> skipped = std::move(plan.differences);
  skipped.insert(skipped.end(), plan.warnings.begin(), plan.warnings.end());
  for (const auto& item : skipped)
    std::cerr << "tenet: load_weights(" << path << "): skipped " << item << "\n";
  return skipped;
}

}  // namespace tenet::data::detail
