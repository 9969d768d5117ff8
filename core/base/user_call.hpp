#pragma once
// The user's call being served on this thread, so that a contract error raised deep inside
// (a layer of the graph during fit, a Dataset check on the prefetch thread) names the user's
// line: "called at train.cpp:40 (model.fit)". Not public API.
//
// Public entry points (Model::fit/evaluate/predict/..., Loss::operator(), a Dataset's
// iteration, Layer::operator()) take a defaulted std::source_location and open a
// ScopedUserCall; the outermost one on a thread wins, so tenet's own nested calls (fit runs
// check_data and evaluate) keep the user's line. A layer called in a model's graph opens a
// ScopedLayerCall with the line of the user's call of that layer (a shared layer is called at
// several lines: the failing call's is named). ContractError's constructor reads both.
#include <source_location>
#include <string>

namespace tenet {

struct UserCall {
  const char* what = nullptr;  // "model.fit"; null for a layer call (the Site names it)
  std::source_location loc;
  bool active = false;
};

class ScopedUserCall {
 public:
  ScopedUserCall(const char* what, const std::source_location& loc);
  explicit ScopedUserCall(const UserCall& call);  // re-opens a captured call (another thread)
  ~ScopedUserCall();
  ScopedUserCall(const ScopedUserCall&) = delete;
  ScopedUserCall& operator=(const ScopedUserCall&) = delete;

 private:
  bool opened_ = false;
};
// The outermost user call on this thread (active == false when none).
UserCall current_user_call();

class ScopedLayerCall {
 public:
  // `layer` names the layer (its Site's name); both must outlive the scope.
  ScopedLayerCall(const std::string& layer, const std::source_location& loc);
  ~ScopedLayerCall();
  ScopedLayerCall(const ScopedLayerCall&) = delete;
  ScopedLayerCall& operator=(const ScopedLayerCall&) = delete;

  const std::string& layer;
  std::source_location loc;
  const ScopedLayerCall* previous;
};
// The innermost layer call on this thread (null when none).
const ScopedLayerCall* current_layer_call();

// While a reader builds a model from a file (data/keras), every Site made from a source
// location (layers, Inputs, the Model) takes this origin instead of the reader's own line,
// e.g. "created by layer 'conv2d_1' in model.keras": the user wrote no C++ for them.
class ScopedOrigin {
 public:
  explicit ScopedOrigin(std::string origin);
  ~ScopedOrigin();
  ScopedOrigin(const ScopedOrigin&) = delete;
  ScopedOrigin& operator=(const ScopedOrigin&) = delete;

 private:
  std::string origin_;
  const std::string* previous_;
};
// The innermost origin on this thread (null when none).
const std::string* current_origin();

// Who reads the fixes of contract errors: a C++ program (the default), or a user of the
// `tenet` command, who holds a Keras model and NumPy arrays and needs the code in a fix in
// Python (NumPy / Keras) notation. A program sets it once, before its first call into tenet
// (tools/tenet/main.cpp); checks::snippet picks the notation.
enum class Audience { cpp, python };
void set_audience(Audience audience);
Audience audience();
// Code in a fix, in the reader's notation: `cpp` for a C++ program, `python` (NumPy / Keras)
// for a user of the tenet command: snippet("expand_dims(x, -1)", "np.expand_dims(x, -1)").
std::string snippet(const std::string& cpp, const std::string& python);

}  // namespace tenet
