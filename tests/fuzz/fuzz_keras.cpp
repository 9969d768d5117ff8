// libFuzzer target: tenet::keras reading arbitrary bytes as a `.keras` archive (zip, limits,
// config.json, metadata.json, the weights through Model::load_weights); fuzz_keras_json.cpp
// fuzzes the JSON architecture alone. Accepted outcomes: a model (built, or not building with its failure returned),
// data.format, model.unsupported, options.invalid (a layer option outside its range, e.g. a
// Dropout rate of 2), checkpoint.mismatch (weights that do not fit the config), IOError.
//
// Speed (docs/reliability.md, "Fuzzing the Keras, NumPy and image readers"): the weights entry
// is read in this process (TENET_HDF5_ISOLATION=in_process unless the environment says
// otherwise) and extracted to /dev/shm (TMPDIR). Through the HDF5 guard every archive whose
// entries pass their CRC-32 checks cost a fork() of the ASan-instrumented fuzzer; the reading
// code is the same either way (a forked child's coverage never reached libFuzzer anyway), and
// libhdf5 on corrupt files is fuzzed through the guard by fuzz_h5 and fuzz_weights.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <tenet/tenet.hpp>

#include "data/keras_json.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("TENET_HDF5_ISOLATION", "in_process", /*overwrite=*/0);
  if (::access("/dev/shm", W_OK) == 0) ::setenv("TMPDIR", "/dev/shm", /*overwrite=*/0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  tenet::fuzz::expect_explained(
      [&] { (void)tenet::data::keras_detail::build_partial_bytes(bytes, true); },
      {"data.format", "model.unsupported", "options.invalid", "checkpoint.mismatch"});
  return 0;
}
