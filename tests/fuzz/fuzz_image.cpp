// libFuzzer target: data::decode_image (PNG through libpng, JPEG through TurboJPEG) on arbitrary
// bytes, in every colour mode. Accepted outcomes: an (H, W, C) uint8 tensor with C matching
// the mode, or data.format.
#include <cstdint>
#include <vector>

#include <tenet/data/image_folder.hpp>
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int mode = size ? data[0] % 3 : 0;
  const std::vector<std::uint8_t> bytes(data + (size ? 1 : 0), data + size);
  tenet::fuzz::expect_explained(
      [&] {
        const auto m = static_cast<tenet::data::ColorMode>(mode);
        tenet::Tensor t = tenet::data::decode_image(bytes, "fuzz.img", m);
        const std::int64_t c = mode == 0 ? 3 : mode == 1 ? 1 : 4;
        if (t.rank() != 3 || t.dim(2) != c || t.dtype() != tenet::DType::u8) __builtin_trap();
        volatile std::uint8_t sink = 0;  // touch every byte: ASan sees any short buffer
        const auto* p = t.data<std::uint8_t>();
        for (std::int64_t i = 0; i < t.numel(); ++i) sink = sink ^ p[i];
      },
      {"data.format"});
  return 0;
}
