// Model::save_weights and load_weights: thin members that forward to the installed
// WeightsFormat (core/training/weights_format.hpp; data/checkpoint.cpp is the one tenet has).
#include <atomic>

#include "core/base/atomic_file.hpp"
#include "core/contracts/checkpoint_checks.hpp"
#include "core/training/model_numerics.hpp"
#include "core/training/model_state.hpp"
#include "core/training/weights_format.hpp"

namespace tenet {

namespace {

std::atomic<const WeightsFormat*> g_format{nullptr};

const WeightsFormat& format(const char* call) {
  const WeightsFormat* f = g_format.load(std::memory_order_acquire);
  if (!f)
    throw Error(std::string("tenet: ") + call + " has no weights file format: include " +
                "<tenet/tenet.hpp> (or <tenet/data/weights.hpp>) in the program, which links "
                "Keras's .weights.h5 format in");
  return *f;
}

ModelVariables variables(const Model::State& s) {
  return {s.name, s.site, s.sequential, s.layers,
          s.is_compiled ? s.compiled.optimizer.impl().get() : nullptr};
}

}  // namespace

bool install_weights_format(const WeightsFormat& f) {
  g_format.store(&f, std::memory_order_release);
  return true;
}

void Model::save_weights(const std::string& path, std::source_location loc) const {
  const ScopedUserCall user("model.save_weights", loc);
  const WeightsFormat& f = format("save_weights");
  checks::check_weights_path("save_weights path", path, s_->site, Phase::run);
  check_trainable_since_compile(*s_, "save_weights");  // slots that fit the flags it writes
  numerics::check_saved_variables(*s_, path);  // a file load_weights would refuse is never written
  f.save(variables(*s_), path);
}

std::vector<std::string> Model::load_weights(const std::string& path, WeightsLoadOptions options,
                                             std::source_location loc) {
  const ScopedUserCall user("model.load_weights", loc);
  files::check_no_nul("load_weights", path, false);  // whichever format is installed
  check_trainable_since_compile(*s_, "load_weights");  // the file's slots pair with compile's
  return format("load_weights").load(variables(*s_), path, options);
}

}  // namespace tenet
