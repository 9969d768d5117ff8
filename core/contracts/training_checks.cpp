// model.compile (a loss, a compiled model, one call at a time, one output), history.key and
// CSVLogger's separator.
#include "core/contracts/training_checks.hpp"

#include <limits>

#include "core/base/text_escape.hpp"

namespace tenet::checks {

namespace {

// compile's fix for a missing loss, read from the model's output: one unit is a real target
// (or a logit), several are classes.
std::string loss_suggestion(const OutputFacts& o) {
  const Shape& out = o.shape;
  const std::int64_t units = out.rank() > 0 ? out[out.rank() - 1] : 1;
  if (units == 1)
    return "the output " + out.str() + " holds one value per sample: model.compile({.optimizer "
           "= SGD(), .loss = MeanSquaredError()}) for a real target";
  return "the output " + out.str() + " scores " + dim_str(units) + " classes" +
         (o.softmax ? " as probabilities (softmax)" : " as logits (no softmax)") +
         ": model.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy(" +
         (o.softmax ? "" : "{.from_logits = true}") + ")}) for class indices, or "
         "CategoricalCrossentropy for one-hot labels";
}

}  // namespace

void no_loss(const OutputFacts& output, const Site& model) {
  Violation("model.compile", Phase::build, model)
      .summary("compile needs a loss")
      .expected("a loss, the measure fit minimises")
      .actual("none")
      .fix(loss_suggestion(output))
      .raise();
}

void check_compiled(bool compiled, const std::string& what, const Site& model) {
  if (compiled) return;
  Violation("model.compile", Phase::run, model)
      .summary(what + " needs a compiled model")
      .expected("model.compile({...}) before " + what)
      .actual("not compiled")
      .fix("call model.compile({.optimizer = ..., .loss = ..., .metrics = {Metric::accuracy}})")
      .raise();
}

void already_training(const std::string& call, const Site& where) {
  Violation("model.compile", Phase::run, where)
      .summary(call + " called while this model is already training")
      .expected("one fit, train_on_batch or compile at a time on a Model")
      .actual(call + " during a running fit or train_on_batch")
      .cause("the running call updates the weights, optimizer slots and History in place; a "
             "second one (from a callback, or from another thread) would rewrite them under it")
      .fix("call it after the running fit returns (a callback can set model.stop_training = "
           "true), or train a second Model with its own layers")
      .raise();
}

void check_single_output(std::size_t outputs, const Site& model) {
  if (outputs == 1) return;  // training used outputs[0] only: the others never learned
  Violation("model.compile", Phase::build, model)
      .summary("compile needs a model with one output, this one has " + std::to_string(outputs))
      .expected("1 output (one loss, one label array)")
      .actual(std::to_string(outputs) + " outputs")
      .cause("fit, evaluate and train_on_batch take one label array for one loss; the outputs "
             "after the first would never be trained or scored")
      .fix("train a Model per output (they can share layers), or Concatenate the outputs into "
           "one; predict_outputs still gives every output of an uncompiled model")
      .raise();
}

void no_history_key(const std::string& key, const std::vector<std::string>& keys) {
  std::string listed;
  for (const auto& k : keys) listed += (listed.empty() ? "" : ", ") + k;
  Violation("history.key", Phase::run, Site("History", "History"))
      .summary("History has no key '" + key + "'")
      .expected("one of: " + (listed.empty() ? std::string("(none: fit ran no epoch)") : listed))
      .actual("'" + key + "'")
      .fix("val_ keys exist only with validation_split or validation_data")
      .raise();
}

void trainable_changed(const std::vector<std::string>& frozen,
                       const std::vector<std::string>& unfrozen, const std::string& call,
                       const Site& model) {
  auto names = [](const std::vector<std::string>& v, const std::string& how) {
    std::string out;
    for (const auto& n : v) out += (out.empty() ? "'" : ", '") + n + "'";
    return out.empty() ? out : out + " " + how;
  };
  const std::string f = names(frozen, "frozen"), u = names(unfrozen, "unfrozen");
  const std::string changed = f + (f.empty() || u.empty() ? "" : "; ") + u;
  Violation("model.compile", Phase::run, model)
      .summary(call + " on a model whose trainable flags changed after compile: " + changed)
      .expected("the trainable flags compile saw (they fix the variables fit updates and the "
                "optimizer's slots)")
      .actual(changed + " since compile")
      .cause("set_trainable was called after model.compile; " + call + " would use the "
             "optimizer state of the old flags with the new ones (a frozen BatchNorm already "
             "normalises in inference mode), and a file saved now would hold optimizer slots "
             "that a model compiled with the new flags cannot load")
      .fix("call model.compile(...) again after set_trainable, outside fit (with the same "
           "optimizer it keeps the slots of the variables still trained), or set the flags "
           "back")
      .raise();
}

namespace {

// Where `c` occurs in the values CSVLogger writes unquoted, or "" when it occurs in none.
std::string value_character(char c) {
  if (c >= '0' && c <= '9') return std::string("'") + c + "' is a digit, part of every number";
  switch (c) {
    case '.': return "'.' is the decimal point (0.25)";
    case '-': return "'-' is a minus sign (-1.5, 1e-05)";
    case '+': return "'+' is an exponent's sign (1e+20)";
    case 'e': return "'e' marks an exponent (1e-05)";
    case 'i': case 'f': return std::string("'") + c + "' is part of inf";
    case 'n': return "'n' is part of nan and inf";
    case 'a': return "'a' is part of nan";
    case 'N': case 'A': return std::string("'") + c + "' is part of NA (a key an epoch lacks)";
    default: return "";
  }
}

}  // namespace

void check_csv_separator(char sep, const Site& where) {
  const std::string in_values = value_character(sep);
  const bool framing = sep == '"' || sep == '\n' || sep == '\r';
  if (in_values.empty() && !framing && sep != '\0') return;
  std::string cause;
  if (!in_values.empty())
    cause = in_values + ": CSVLogger writes each value unquoted, in shortest round-trip form "
            "(3, 0.25, -1.5, 1e-05, 1e+20, inf, nan, NA), so a row such as \"1" +
            std::string(1, sep) + "0.25\" (epoch 1, loss 0.25) could not be split back into its "
            "values";
  else if (framing)
    cause = "RFC 4180 CSV quotes fields with '\"' and ends rows with line breaks, so neither can "
            "also separate fields";
  else
    cause = "NUL ('\\0', a char left empty) is no text character: a file separated by it is not "
            "read as text";
  invalid_option("CSVLoggerOptions::separator", text::quoted(std::string(1, sep)),
                 "one character no field holds: not a digit, '.', '+', '-', 'e', a letter of "
                 "inf, nan or NA, '\"', CR, LF or NUL",
                 where, Phase::run, cause, "use ',' (the default), ';' or '\\t'");
}

void check_history(const std::vector<int>& epochs,
                   const std::vector<std::pair<std::string, std::size_t>>& value_counts,
                   const std::string& call, const Site& where) {
  // fit numbers epochs up to INT_MAX - 1 (epochs = INT_MAX); the charts and CSV rows count
  // them from 1, so INT_MAX itself has no label.
  constexpr int kLast = std::numeric_limits<int>::max() - 1;
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    const int e = epochs[i];
    const bool after = i == 0 || e > epochs[i - 1];
    if (e >= 0 && e <= kLast && after) continue;
    invalid_option(call + "'s History::epoch[" + std::to_string(i) + "]", std::to_string(e),
                   "epoch numbers from 0 up, strictly increasing, at most " + std::to_string(kLast) +
                       " (fit's last)", where, Phase::run,
                   !after ? "it does not follow epoch[" + std::to_string(i - 1) + "] = " +
                                std::to_string(epochs[i - 1]) + "; the curves are drawn in epoch order"
                          : "History counts epochs from 0 (initial_epoch first), as fit fills it",
                   "pass the History that fit returned, or number its epochs 0, 1, 2, ...");
  }
  for (const auto& [key, count] : value_counts)
    if (count > epochs.size())
      invalid_option(call + "'s History::history[\"" + key + "\"]",
                     std::to_string(count) + " values",
                     "at most one value per epoch (" + std::to_string(epochs.size()) + ")", where,
                     Phase::run, "each value is drawn at its epoch, and " +
                         std::to_string(count - epochs.size()) + " of them have none",
                     "add the epochs to History::epoch, or drop the extra values");
}

}  // namespace tenet::checks
