// libFuzzer target: data::read_idx on arbitrary bytes (plain or gzip: zlib detects which).
// Accepted outcomes: a uint8 tensor whose byte count matches its header, data.format, IOError.
#include <cstdint>

#include <tenet/data/idx.hpp>
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = tenet::fuzz::scratch_path(".idx");
  tenet::fuzz::write_file(path, data, size);
  int rank = size ? static_cast<int>(data[0] % 4) - 1 : -1;  // -1 (any) .. 2
  tenet::fuzz::expect_explained(
      [&] {
        tenet::Tensor t = tenet::data::read_idx(path, rank);
        if (t.dtype() != tenet::DType::u8) __builtin_trap();
        if (rank >= 0 && t.rank() != rank) __builtin_trap();
        volatile std::uint8_t sink = 0;  // touch every byte: ASan sees any short buffer
        const auto* p = t.data<std::uint8_t>();
        for (std::int64_t i = 0; i < t.numel(); ++i) sink = sink ^ p[i];
      },
      {"data.format"});
  return 0;
}
