#pragma once
// What the augmentation layers share (RandomFlip, RandomCrop, RandomTranslation, RandomZoom,
// RandomRotation): a factor range and the options of the geometric ones.
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
#include <string>

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

// RandomTranslation and RandomRotation; RandomZoom adds width_factor (random_zoom.hpp).
// Written in this order (C++20 designated initialisers): fill_mode, interpolation, seed,
// fill_value, name.
struct RandomTransformOptions {
  FillMode fill_mode = FillMode::reflect;  // how pixels from outside the image are filled
  Interpolation interpolation = Interpolation::bilinear;
  std::uint64_t seed = 0;   // 0: the next seed of the session's sequence (set_random_seed)
  double fill_value = 0.0;  // the value outside the image with FillMode::constant
  std::string name;         // automatic ("random_rotation", ...) when empty
};

}  // namespace tenet
