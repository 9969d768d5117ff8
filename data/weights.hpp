#pragma once
// Keras 3's `.weights.h5` files as the format of Model::save_weights and load_weights
// (data/checkpoint.cpp; the layout is described in data/checkpoint.hpp). tenet.hpp includes
// this header: every program that does links the format in and installs it before main.
namespace tenet::data {

// Installs the format (core/training/weights_format.hpp); returns true. Idempotent.
bool install_keras_weights();

namespace detail {
// One per translation unit that includes this header (internal linkage, so it is always
// initialised, and the reference links data/checkpoint.cpp into the program).
[[maybe_unused]] static const bool keras_weights_installed = install_keras_weights();
}  // namespace detail

}  // namespace tenet::data
