#include "core/training/model_numerics.hpp"

#include <cstring>

#include <tenet/core/tensor/autograd.hpp>
#include "core/tensor/numerics.hpp"
#include "core/tensor/tensor_impl.hpp"  // written_bytes

namespace tenet::numerics {

namespace {

// A variable with the names errors use: "'kernel' of 'dense'".
struct NamedVariable {
  Tensor value;
  std::string name;
  const LayerImpl* layer;
  bool trainable;
  std::string weight;  // its own name ("moving_variance")
  bool nonnegative;    // never negative (LayerImpl::variable_nonnegative)
};

// Every variable in layer order; the trainable ones in the order of trainable_weights().
std::vector<NamedVariable> variables(const Model::State& s) {
  std::vector<NamedVariable> out;
  for (const auto& l : s.layers) {
    auto ws = l->weights();
    auto names = l->weight_names();
    auto tr = l->trainable();
    auto nonnegative = l->variable_nonnegative();
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const std::string weight = i < names.size() ? names[i] : std::to_string(i);
      out.push_back({ws[i], "'" + weight + "' of '" + l->name() + "'", l.get(),
                     i < tr.size() && tr[i], weight,
                     i < nonnegative.size() && nonnegative[i]});
    }
  }
  return out;
}

// save_weights of a variable its layer declares never negative: options.invalid at the first
// negative value (load_weights would refuse the file, as set_weights refuses such values).
void check_saved_sign(const NamedVariable& v, const std::string& path) {
  if (!v.nonnegative) return;
  const checks::NegativeValues found = negatives(v.value, v.layer->negative_tolerance());
  if (found.count == 0) return;
  std::string order;
  for (const auto& n : v.layer->weight_names()) order += (order.empty() ? "" : ", ") + n;
  checks::negative_weight({.saving = true, .path = path, .name = v.weight, .order = order,
                           .shape = v.value.shape(), .found = found},
                          v.layer->facts(), v.layer->site());
}

void check_array(const Tensor& t, const Site& site, const std::string& subject,
                 std::int64_t batch_index) {
  if (all_finite(t)) return;
  const std::int64_t rows = t.rank() > 0 ? t.dim(0) : 1;
  const std::int64_t per_row = rows > 0 ? t.numel() / rows : 1;
  const std::string row = std::to_string(scan(t).first / per_row);
  raise(site, subject, t,
        "the data holds NaN/Inf: the first is in " +
            (batch_index < 0 ? "sample " + row
                             : "row " + row + " of " + checks::batch_name(batch_index)) +
            ". It would spread through every layer and, through the gradients, into every weight",
        "clean the data before training: drop or replace the samples holding NaN/Inf, and look "
        "at the preprocessing that made them (a division by zero, a log of 0, a failed parse)");
}

}  // namespace

void check_variables(const Model::State& s) {
  if (!check_numerics()) return;
  for (const auto& v : variables(s)) {
    if (all_finite(v.value)) continue;
    raise(v.layer->site(), "variable " + v.name, v.value,
          "the variable held NaN/Inf before this call began: set so by set_weights or "
          "load_weights, or made so by training while checking was off; the data is not involved",
          "restore good weights (load_weights from a checkpoint saved before the NaN, or "
          "set_weights), then train with check_numerics on to catch the step that spoils them");
  }
}

void check_saved_variables(const Model::State& s, const std::string& path) {
  const std::string fix = "save before the weights diverge (TerminateOnNaN stops fit before a NaN "
                          "loss updates them; check_numerics names the step that spoils them); "
                          "the file at " + path + " was left as it was";
  for (const auto& v : variables(s)) {
    if (!all_finite(v.value))
      raise(v.layer->site(), "variable " + v.name, v.value,
            "save_weights would write a NaN/Inf weight, and load_weights refuses such a file: "
            "the training that made these weights diverged, or set_weights gave them",
            fix);
    check_saved_sign(v, path);
  }
  const OptimizerImpl* opt = s.is_compiled ? s.compiled.optimizer.impl().get() : nullptr;
  if (!opt) return;
  for (const auto& per_variable : opt->slots())
    for (const auto& slot : per_variable)
      if (!all_finite(slot))
        raise(s.site, "a slot of optimizer '" + opt->name() + "'", slot,
              "save_weights would write a NaN/Inf optimizer slot, and load_weights refuses such "
              "a file: the optimizer's state diverged",
              fix);
}

void check_inputs(const Model::State& s, const std::vector<Tensor>& x, const Tensor& y,
                  std::int64_t batch_index) {
  if (!check_numerics()) return;
  for (std::size_t i = 0; i < x.size() && i < s.inputs.size(); ++i)
    check_array(x[i], s.inputs[i].producer()->site(),
                "input " + std::to_string(i) + " ('" + s.inputs[i].name() + "')", batch_index);
  if (y.defined()) check_array(y, s.site, "the label array y", batch_index);
}

void optimizer_step(const Model::State& s, const std::vector<Tensor>& trainable) {
  OptimizerImpl& opt = *s.compiled.optimizer.impl();
  if (!check_numerics()) return opt.step(trainable);
  // The state before the step, to undo it: values, slots (none before the first step), count.
  std::vector<Tensor> before;
  for (const auto& w : trainable) before.push_back(w.clone());
  std::vector<std::vector<Tensor>> slots_before;
  for (const auto& per_variable : opt.slots()) {
    slots_before.emplace_back();
    for (const auto& slot : per_variable) slots_before.back().push_back(slot.clone());
  }
  const std::int64_t iterations = opt.iterations();
  opt.step(trainable);
  std::vector<NamedVariable> named;  // in the order of `trainable` (compile's choice)
  const std::vector<NamedVariable> all = variables(s);
  for (const Tensor& t : trainable)
    for (const auto& v : all)
      if (v.value.same_as(t)) named.push_back(v);
  for (std::size_t k = 0; k < trainable.size(); ++k) {
    std::vector<Tensor> checked{trainable[k]};
    if (k < opt.slots().size())
      checked.insert(checked.end(), opt.slots()[k].begin(), opt.slots()[k].end());
    for (std::size_t j = 0; j < checked.size(); ++j) {
      if (all_finite(checked[j])) continue;
      const Tensor bad = checked[j].clone();
      for (std::size_t i = 0; i < trainable.size(); ++i)
        std::memcpy(written_bytes(trainable[i]), before[i].raw_data(), before[i].nbytes());
      opt.set_state(iterations, std::move(slots_before));
      const std::string var = k < named.size() ? named[k].name : std::to_string(k);
      raise(Site(opt.name(), "optimizer"),
            (j == 0 ? "variable " : "optimizer slot " + std::to_string(j - 1) + " of variable ") +
                var + " after the " + opt.name() + " update",
            bad,
            "the " + opt.name() + " update at learning rate " + magnitude(opt.learning_rate()) +
                " moved finite values (weights up to " + magnitude(scan(before[k]).max_abs) +
                ", gradients up to " + magnitude(scan(trainable[k].grad()).max_abs) +
                ") beyond float range. The update was undone: the weights and the optimizer's "
                "slots are as they were before this step",
            "lower the learning rate (it is " + magnitude(opt.learning_rate()) +
                "; usual values lie between 1e-4 and 1e-1)");
    }
  }
}

}  // namespace tenet::numerics
