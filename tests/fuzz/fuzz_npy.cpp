// libFuzzer target: data::read_npy and data::read_npz on arbitrary bytes (an input starting
// "PK", a zip's signature, is read as .npz; any other as .npy, from the file and from memory).
// Accepted outcomes: tensors whose byte count matches their shape, data.format, IOError.
#include <cstdint>

#include <tenet/data/npy.hpp>
#include "tests/fuzz/fuzz_common.hpp"

namespace {

void touch(const tenet::Tensor& t) {
  volatile std::uint8_t sink = 0;  // every byte: ASan sees any short buffer
  const auto* p = static_cast<const std::uint8_t*>(t.raw_data());
  const auto bytes = static_cast<std::size_t>(t.numel()) * tenet::dtype_size(t.dtype());
  for (std::size_t i = 0; i < bytes; ++i) sink = sink ^ p[i];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string npy = tenet::fuzz::scratch_path(".npy");
  static const std::string npz = tenet::fuzz::scratch_path(".npz");
  const bool zip = size >= 2 && data[0] == 'P' && data[1] == 'K';
  const std::string& path = zip ? npz : npy;
  tenet::fuzz::write_file(path, data, size);
  tenet::fuzz::expect_explained(
      [&] {
        if (zip) {
          for (const auto& [name, t] : tenet::data::read_npz(path)) touch(t);
        } else {
          touch(tenet::data::read_npy(path));
          touch(tenet::data::parse_npy(data, size, "fuzz input"));
        }
      },
      {"data.format"});
  return 0;
}
