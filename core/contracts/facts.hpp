#pragma once
// LayerFacts: what a layer tells the contract checks about itself, so that a cause can say what
// is true of the case (which layer fixes a size, which window shrank it, how many channels a
// kernel was built for) without matching type names or parsing describe() text. A layer
// returns them from LayerImpl::facts(); a user layer that returns none is treated as keeping
// every size it receives.
#include <cstdint>
#include <string>

#include <tenet/core/base/shape.hpp>

namespace tenet {
// How a window (Conv2D's kernel, MaxPool2D's pool) treats the borders: "valid" keeps inside the
// input, "same" pads so that the output is ceil(input / stride). Keras's names.
enum class Padding { valid, same };
}  // namespace tenet

namespace tenet::checks {

// How a layer's output depends on the height and width of its input.
enum class SizeRule {
  keeps,       // same sizes out as in (activations, BatchNorm, Dropout, Rescaling, Dense on features)
  windows,     // slides a window: the output's height and width follow the input's (Conv2D, MaxPool2D)
  flattens,    // folds height, width and channels into one feature axis (Flatten)
  pools_away,  // removes height and width (global pooling)
  resizes,     // gives a fixed height and width whatever it receives (Resizing)
  reshapes,    // needs a fixed number of elements per sample (Reshape)
  joins,       // needs its inputs to agree on every axis it does not join (Concatenate, Add)
};

// A sliding window (Conv2D's kernel, MaxPool2D's pool).
struct WindowFacts {
  bool present = false;
  bool is_kernel = false;  // a convolution kernel (weights), not a pooling window
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  bool same_padding = false;
};

// How a layer treats the values (not the shape) it receives, for input.range: whether the
// range of the data matters to it.
enum class ValueRule {
  uses,        // computes with them as they come (Dense, Conv2D, activations, user layers)
  passes,      // hands them on unchanged in range (Resizing, Dropout, Reshape, Flatten)
  rescales,    // maps them to x * scale + offset (Rescaling)
  normalizes,  // normalises whatever range it receives (BatchNormalization)
};

struct LayerFacts {
  SizeRule size_rule = SizeRule::keeps;
  ValueRule value_rule = ValueRule::uses;
  double scale = 1.0, offset = 0.0;  // for ValueRule::rescales
  WindowFacts window;
  // The size on the last axis that the layer's weights were built for (Dense: input features;
  // Conv2D: input channels; BatchNorm: features or channels); kUnknown before the first call or
  // for a layer without such weights.
  std::int64_t built_last_axis = kUnknown;
  // The weight that holds that size, for messages: "kernel (1024, 10)", "gamma (16,)".
  std::string built_weight;
  // The option that sets the size of the output's last axis ("filters", "units"); empty when
  // the layer keeps its input's.
  std::string output_size_option;
  // True when the output is probabilities: the layer ends in a softmax (Softmax on any axis,
  // Activation("softmax"), Dense or Conv2D with activation softmax).
  bool ends_in_softmax = false;
};

// The facts of a layer that has a size rule (and a window) but no weights sized by its input.
inline LayerFacts facts_of(SizeRule rule, WindowFacts window = {}) {
  LayerFacts f;
  f.size_rule = rule;
  f.window = window;
  return f;
}

}  // namespace tenet::checks
