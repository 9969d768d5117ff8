#pragma once
// The contracts of compiling and training a Model (internal: core/training calls these):
// model.compile and history.key. Each message is written here once (training_checks.cpp).
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// What compile's fix reads of the model's output when no loss was given: its shape and whether
// the layer that makes it ends in a softmax (LayerFacts::ends_in_softmax).
struct OutputFacts {
  Shape shape;
  bool softmax = false;
};
// model.compile (phase build): compile was given no loss; the fix suggests one for `output`.
[[noreturn]] void no_loss(const OutputFacts& output, const Site& model);
// model.compile (phase run): `call` ("fit", "evaluate") needs a compiled model.
void check_compiled(bool compiled, const std::string& call, const Site& model);
// model.compile (phase run): `call` was made while the model is already training.
[[noreturn]] void already_training(const std::string& call, const Site& where);
// model.compile (phase build): compile needs a model with one output (`outputs` it has).
void check_single_output(std::size_t outputs, const Site& model);
// history.key: History[key] for a key it lacks; `keys` are the ones it holds.
[[noreturn]] void no_history_key(const std::string& key, const std::vector<std::string>& keys);

// model.compile (phase run): `call` ("fit", "save_weights") on a model whose layers' trainable
// flags changed after compile: `frozen` and `unfrozen` name those layers.
[[noreturn]] void trainable_changed(const std::vector<std::string>& frozen,
                                    const std::vector<std::string>& unfrozen,
                                    const std::string& call, const Site& model);

// options.invalid: a History given to `call` ("plot_history", "write_history_csv") must number
// its epochs from 0 up, strictly increasing, at most INT_MAX - 1 (the last fit numbers), and
// hold no more values per key than it has epochs.
void check_history(const std::vector<int>& epochs,
                   const std::vector<std::pair<std::string, std::size_t>>& value_counts,
                   const std::string& call, const Site& where);

// options.invalid: CSVLogger's separator must be a character no field of its rows can hold:
// its values are written unquoted (digits, '.', '+', '-', 'e', inf, nan, NA), and '"', CR and
// LF quote fields and end rows (RFC 4180); NUL is no text.
void check_csv_separator(char separator, const Site& where);

}  // namespace tenet::checks
