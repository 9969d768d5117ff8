// checkpoint.mismatch: values given to a layer, and weights files, that do not fit the model.
#include "core/contracts/checkpoint_checks.hpp"

#include <algorithm>
#include <cctype>

#include "core/base/text_escape.hpp"

namespace tenet::checks {

void check_weight_count(const std::vector<std::string>& names, const std::vector<Shape>& shapes,
                        std::size_t given, bool built, const Site& layer) {
  const std::size_t held = names.size();
  if (held == given) return;
  std::string list;  // "kernel (4, 3), bias (3,)"
  for (std::size_t i = 0; i < held; ++i)
    list += (i ? ", " : "") + names[i] + (i < shapes.size() ? " " + shapes[i].str() : "");
  const std::string n = std::to_string(held), g = std::to_string(given);
  std::string cause, fix;
  if (held == 0 && !built) {
    cause = "'" + layer.name + "' has not been called yet, so its variables do not exist: their "
            "shapes follow from its first input";
    fix = "call the layer once (or build its model) before setting weights";
  } else if (given < held) {
    cause = "set_weights replaces every variable at once, in order: " + list + "; the list given "
            "stops after " + g;
    fix = "pass all " + n + " variables in Keras's order (" + list + ")";
  } else {
    cause = "'" + layer.name + "' holds " + (held == 0 ? "no variables (a " + layer.type + " has none)"
                                                        : "only " + list) +
            "; the " + std::to_string(given - held) + " extra value(s) may belong to another layer";
    fix = held == 0 ? "do not set weights on '" + layer.name + "'; give the values to the layers "
                      "that hold variables (or use load_weights for a whole model)"
                    : "pass only its " + n + " variables in Keras's order (" + list + "); for a "
                      "whole model, load_weights splits the file per layer";
  }
  Violation("checkpoint.mismatch", Phase::load, layer)
      .summary(layer.type + " '" + layer.name + "' holds " + n + " variables, " + g +
               " were given")
      .expected(n + " variables")
      .actual(g + " variables")
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_weight_fits(std::size_t i, const std::string& name, const Shape& want,
                       DType want_dtype, const Shape& got, DType got_dtype, const Site& layer) {
  if (want == got && want_dtype == got_dtype) return;
  Violation("checkpoint.mismatch", Phase::load, layer)
      .summary("variable " + std::to_string(i) + " (" + name + ") does not fit")
      .expected(want.str() + " " + dtype_name(want_dtype))
      .actual(got.str() + " " + dtype_name(got_dtype))
      .mark_differences(want, got)
      .fix("give each variable the layer's shape; nothing was changed")
      .raise();
}

void negative_weight(const NegativeWeight& w, const LayerFacts& facts, const Site& layer) {
  const NegativeValues& f = w.found;
  const std::string var = "'" + w.name + "' of '" + layer.name + "'";
  const std::string count = std::to_string(f.count) + (f.tolerance > 0 ? " value" : " negative value") +
                            (f.count == 1 ? "" : "s") +
                            (f.tolerance > 0 ? " below -" + option_value(f.tolerance) : "");
  const std::string below = f.tolerance > 0 ? "below -" + option_value(f.tolerance) : "negative";
  std::string cause = var + " (" + layer.type + ") is never " + below + ": no training makes such a "
                      "value" + (f.tolerance > 0 ? " (rounding in training gives at most tiny "
                                                   "negatives, which are accepted)" : "");
  cause += facts.value_rule == ValueRule::normalizes
               ? ", and the layer divides by sqrt(" + w.name + " + epsilon), which is NaN once a "
                 "value is below -epsilon (every prediction NaN)"
               : ", and the layer computes wrong outputs with one";
  cause += w.saving ? "; load_weights refuses such a file, and set_weights such values, so they "
                      "were most likely written into the variable's tensor directly (weights() "
                      "shares it)"
                    : "; load_weights refuses a file holding such values too";
  Violation("options.invalid", w.saving ? Phase::run : Phase::load, layer)
      .summary(w.saving ? "save_weights: " + var + " holds " + count
                        : "set_weights of '" + layer.name + "': " + w.name + " is given " + count)
      .expected("values >= " + (f.tolerance > 0 ? "-" + option_value(f.tolerance) : std::string("0")) +
                " in " + w.name + " " + w.shape.str())
      .actual(option_value(f.value) + " at flat index " + std::to_string(f.first) + " (" +
              std::to_string(f.count) + " of " + std::to_string(f.total) + " values are " +
              (f.tolerance > 0 ? "below -" + option_value(f.tolerance) : std::string("negative")) + ")")
      .cause(cause)
      .fix(w.saving ? "restore " + var + " (set_weights with values >= 0, or load_weights of an "
                      "earlier checkpoint) before saving; the file at " + w.path +
                      " was left as it was"
                    : "pass values >= 0 for " + w.name + " (nothing was changed); the variables "
                      "go in the order " + w.order + ", so values in another order land in the "
                      "wrong variable")
      .raise();
}

void weights_file_mismatch(const WeightsFileFacts& f, const Site& model) {
  const std::size_t n = f.differences.size();
  std::string cause = "the file and the model differ in " + std::to_string(n) + " place" +
                      (n == 1 ? "" : "s") + ":";
  for (const auto& d : f.differences) cause += "\n    - " + d;
  Violation("checkpoint.mismatch", Phase::load, model)
      .summary("the weights file " + f.path + " does not fit model '" + f.model +
               "'; nothing was loaded")
      .expected("the layout of model '" + f.model + "': " + std::to_string(f.model_layers) +
                " layer groups under layers/, Keras's order and shapes")
      .actual("the file: " + std::to_string(f.file_layers) + " layer groups; " +
              std::to_string(n) + " difference" + (n == 1 ? "" : "s") + " (listed under cause)")
      .cause(cause)
      .fix("load a file saved from this architecture (layer groups are named by class and "
           "order: dense, dense_1, ...), or pass WeightsLoadOptions{.skip_mismatch = true} to "
           "load the layers that fit and get the skipped ones back")
      .raise();
}

void check_weights_path(const std::string& option, const std::string& path, const Site& where,
                        Phase phase) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const std::string ext : {".keras", ".json"}) {
    if (!lower.ends_with(ext)) continue;
    const std::string what = ext == ".keras" ? "a whole model (architecture, weights and compile "
                                               "config in a zip archive)"
                                             : "a model's architecture (JSON text)";
    invalid_option(option, text::quoted(path), "a weights file name, such as model.weights.h5",
                   where, phase,
                   "a name ending in " + ext + " is the file of " + what +
                       ", which keras::save_model writes; weights are saved as Keras's HDF5 "
                       ".weights.h5, which keras::load_model (and Keras) would refuse under this "
                       "name. Keras 3's save_weights refuses it too",
                   "name the file model.weights.h5 (load it back with load_weights), or call "
                   "keras::save_model(model, path) to write the " + ext + " file");
  }
}

}  // namespace tenet::checks
