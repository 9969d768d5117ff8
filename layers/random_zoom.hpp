#pragma once
// RandomZoom: when training, scales each image about its centre. The height zoom is drawn
// from height_factor, the width zoom from width_factor, or is the height zoom when
// width_factor is not given (the aspect ratio kept), as Keras's RandomZoom. Each bound lies in
// (-1, 1]; a positive value zooms out (the image shrinks by 1 + value and fill_mode fills the
// border), a negative one zooms in. Identity at inference. Input (N, H, W, C), output the
// same. Contracts: conv.rank, options.invalid. See random_transform.hpp.
#include <optional>

#include <tenet/core/graph/layer.hpp>
#include <tenet/layers/random_transform.hpp>

namespace tenet {

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

}  // namespace tenet
