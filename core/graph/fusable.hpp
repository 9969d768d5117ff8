#pragma once
// What tenet's own layers tell the fusion pass (core/training/fusion.cpp), and the part a fused
// node asks one of them to play in a call. Internal: this header is not installed, so only
// tenet's own layer classes can implement Fusable. A user's layer never takes part in a fusion,
// whatever it computes and whatever members it declares.
#include <optional>

#include "core/graph/builtin.hpp"
#include <tenet/core/graph/layer.hpp>

namespace tenet::fusion {

// What a built-in layer computes, in the terms the pass matches its patterns in.
enum class Op { other, conv2d, batch_norm, relu, max_pool2d };

struct Facts {
  Op op = Op::other;
  bool relu_activation = false;  // it applies max(., 0) to its own result (Conv2D, activation relu)
};

// Implemented by the built-in layers that can be part of a fused node (so they are built-in).
class Fusable : public detail::BuiltinLayer {
 public:
  virtual ~Fusable() = default;
  virtual Facts fusion_facts() const = 0;
};

// The facts of `layer` when it is one of tenet's fusable layers; nothing for any other layer.
std::optional<Facts> facts_of(const LayerImpl& layer);

// The part a fused node asks a layer to play in one call. All false: the layer runs on its own.
struct Role {
  // BatchNorm: also apply the ReLU that follows it, in the same oneDNN pass (fuse_norm_relu).
  bool apply_relu = false;
  // Conv2D(relu): skip the ReLU's backward; the MaxPool2D after it (input_from_relu) does it.
  bool leave_relu_backward = false;
  // MaxPool2D: the input is the output of a ReLU whose backward was left to this layer: a
  // window whose maximum is 0 passes no gradient back, which is what that backward would do.
  bool input_from_relu = false;
};

// The role of `layer`'s current call: the one a RoleScope on this thread gave that layer, else
// the plain role. A layer called directly (by a user, or by a model outside a fused node) runs
// on its own: no argument of a public call can set a role.
Role role_of(const LayerImpl* layer);

// Gives `layer` a role for the calls made on this thread while the scope lives.
class RoleScope {
 public:
  RoleScope(const LayerImpl* layer, Role role);
  ~RoleScope();
  RoleScope(const RoleScope&) = delete;
  RoleScope& operator=(const RoleScope&) = delete;

 private:
  const LayerImpl* previous_layer_;
  Role previous_role_;
};

}  // namespace tenet::fusion
