#pragma once
// The geometric augmentation layers, RandomTranslation, RandomZoom and RandomRotation: each
// draws one affine transform per image when training, with the factor ranges and options
// below. What follows holds for every augmentation layer (RandomFlip and RandomCrop too).
//
// Augmentation runs only when training (fit, train_on_batch, or a call with {.training = true});
// predict, evaluate and plain calls pass images through unchanged (RandomCrop centre-crops, see
// random_crop.hpp). Each training call draws new values from the layer's seed: the same seed
// gives the same draws on every run and for every thread count, and two layers with the same
// seed draw the same value for the same sample (useful to augment two views of one image alike).
//
// Gradients: the transforms are preprocessing, usually right after an Input, so nothing
// upstream needs a gradient. Still, the output is differentiable with respect to the images
// (the exact adjoint of the sampling: flip and crop copy gradients back, the others spread each
// output gradient over the pixels it read, with its interpolation weights). The drawn values
// get no gradient. Keras (TensorFlow) gives the images an approximate gradient instead.
#include <cmath>
#include <optional>
#include <string>

#include <tenet/core/graph/layer.hpp>
#include <tenet/core/ops/image.hpp>

namespace tenet {


// A range of values [lower, upper] to draw from, as Keras's factor arguments: a single number
// f means [-|f|, |f|]; a pair is sorted. RandomRotation(0.1) draws angles in [-36, 36] degrees.
struct Factor {
  Factor(double f) : lower(-std::fabs(f)), upper(std::fabs(f)), single(true), given(f) {}  // NOLINT
  Factor(double a, double b) : lower(a < b ? a : b), upper(a < b ? b : a) {}
  double lower, upper;
  bool single = false;  // written back to Keras files as given: a number or a pair
  double given = 0;
};

// RandomTranslation and RandomRotation; RandomZoom adds width_factor (below).
// Written in this order (C++20 designated initialisers): fill_mode, interpolation, seed,
// fill_value, name.
struct RandomTransformOptions {
  FillMode fill_mode = FillMode::reflect;  // how pixels from outside the image are filled
  Interpolation interpolation = Interpolation::bilinear;
  std::uint64_t seed = 0;   // 0: the next seed of the session's sequence (set_random_seed)
  double fill_value = 0.0;  // the value outside the image with FillMode::constant
  std::string name;         // automatic ("random_rotation", ...) when empty
};

// RandomTranslation: when training, shifts each image by a fraction of its height and width
// drawn from height_factor and width_factor (each bound in [-1, 1]; positive moves the image
// down / right), filling what comes into view by fill_mode, as Keras's RandomTranslation.
// Identity at inference. Input (N, H, W, C), output the same. Contracts: conv.rank,
// options.invalid.
using RandomTranslationOptions = RandomTransformOptions;

class RandomTranslation : public Layer {
 public:
  RandomTranslation(Factor height_factor, Factor width_factor,
                    RandomTranslationOptions options = {},
                    std::source_location loc = std::source_location::current());
};

// RandomZoom: when training, scales each image about its centre. The height zoom is drawn
// from height_factor, the width zoom from width_factor, or is the height zoom when
// width_factor is not given (the aspect ratio kept), as Keras's RandomZoom. Each bound lies in
// (-1, 1]; a positive value zooms out (the image shrinks by 1 + value and fill_mode fills the
// border), a negative one zooms in. Identity at inference. Input (N, H, W, C), output the
// same. Contracts: conv.rank, options.invalid.
// Written in this order: width_factor, fill_mode, interpolation, seed, fill_value, name.
struct RandomZoomOptions {
  std::optional<Factor> width_factor;  // none: the width follows the height zoom
  FillMode fill_mode = FillMode::reflect;
  Interpolation interpolation = Interpolation::bilinear;
  std::uint64_t seed = 0;   // 0: the next seed of the session's sequence (set_random_seed)
  double fill_value = 0.0;  // the value outside the image with FillMode::constant
  std::string name;         // automatic ("random_zoom", "random_zoom_1", ...) when empty
};

class RandomZoom : public Layer {
 public:
  explicit RandomZoom(Factor height_factor, RandomZoomOptions options = {},
                      std::source_location loc = std::source_location::current());
};

// RandomRotation: when training, turns each image about its centre by an angle drawn from
// factor, in fractions of a full turn (0.125 is 45 degrees; positive turns counter-clockwise
// as displayed, Keras's convention), filling the corners by fill_mode, as Keras's
// RandomRotation. A single factor f must be in [-1, 1]; a pair must reach into [-1, 1] (Keras's
// rule). Identity at inference. Input (N, H, W, C), output the same. Contracts: conv.rank,
// options.invalid.
using RandomRotationOptions = RandomTransformOptions;

class RandomRotation : public Layer {
 public:
  explicit RandomRotation(Factor factor, RandomRotationOptions options = {},
                          std::source_location loc = std::source_location::current());
};

}  // namespace tenet
