#pragma once
// What marks a layer as one of tenet's own. Internal: this header is not installed, so only
// tenet's layer classes can derive from BuiltinLayer. Their shape rules (output_shape) are
// tenet's and are trusted when a model is built; any other layer's call is run once at build
// time to learn and check the shapes it really produces (core/graph/user_layer.hpp).
#include <tenet/core/graph/layer.hpp>

namespace tenet::detail {

class BuiltinLayer {
 public:
  virtual ~BuiltinLayer() = default;
};

// True for tenet's own layers (those deriving BuiltinLayer, directly or through
// fusion::Fusable), false for a user's LayerImpl.
inline bool is_builtin(const LayerImpl& layer) {
  return dynamic_cast<const BuiltinLayer*>(&layer) != nullptr;
}

}  // namespace tenet::detail
