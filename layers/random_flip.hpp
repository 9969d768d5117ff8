#pragma once
// RandomFlip: when training, flips each image left-right (horizontal) and/or top-bottom
// (vertical) with probability 1/2, as Keras's RandomFlip. With horizontal_and_vertical one
// draw per image decides both flips together, as in Keras: an image is either flipped both
// ways (turned by 180 degrees) or kept. Identity at inference. Input (N, H, W, C), output the
// same (conv.rank otherwise). See random_affine.hpp for seeds and gradients.
#include <tenet/core/graph/layer.hpp>

namespace tenet {

enum class FlipMode { horizontal, vertical, horizontal_and_vertical };
const char* flip_mode_name(FlipMode m);  // Keras's names: "horizontal", ...

struct RandomFlipOptions {
  std::uint64_t seed = 0;  // 0: the next seed of the session's sequence (set_random_seed)
  std::string name;        // automatic ("random_flip", "random_flip_1", ...) when empty
};

class RandomFlip : public Layer {
 public:
  explicit RandomFlip(FlipMode mode = FlipMode::horizontal_and_vertical,
                      RandomFlipOptions options = {},
                      std::source_location loc = std::source_location::current());
};

}  // namespace tenet
