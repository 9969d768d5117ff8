// libFuzzer target: tenet::keras reading arbitrary bytes as a `.keras` archive (zip, limits,
// config.json, metadata.json, the weights through Model::load_weights); fuzz_keras_json.cpp
// fuzzes the JSON architecture alone. Accepted outcomes: a model (built, or not building with its failure returned),
// data.format, model.unsupported, options.invalid (a layer option outside its range, e.g. a
// Dropout rate of 2), checkpoint.mismatch (weights that do not fit the config), IOError.
#include <cstdint>
#include <string>

#include <tenet/tenet.hpp>

#include "data/keras_json.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  tenet::fuzz::expect_explained(
      [&] { (void)tenet::data::keras_detail::build_partial_bytes(bytes, true); },
      {"data.format", "model.unsupported", "options.invalid", "checkpoint.mismatch"});
  return 0;
}
