// libFuzzer target: data::load_h5 on arbitrary bytes. Accepted outcomes: named arrays of the
// five dtypes and rank <= 8 whose element counts match their shapes, data.format, IOError.
#include <cstdint>

#include <tenet/data/hdf5_io.hpp>
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = tenet::fuzz::scratch_path(".h5");
  tenet::fuzz::write_file(path, data, size);
  tenet::fuzz::expect_explained(
      [&] {
        auto arrays = tenet::data::load_h5(path);
        for (const auto& [name, t] : arrays) {
          if (t.rank() > 8) __builtin_trap();
          volatile unsigned char sink = 0;  // touch every byte of every array
          const auto* p = static_cast<const unsigned char*>(t.raw_data());
          for (std::size_t i = 0; i < t.nbytes(); ++i) sink = sink ^ p[i];
        }
      },
      {"data.format"});
  return 0;
}
