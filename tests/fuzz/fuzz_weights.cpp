// libFuzzer target: Model::load_weights of a small model (Input(4) -> Dense(3, relu) ->
// BatchNorm -> Dense(2), compiled with Adam so optimizer slots are read too) on arbitrary
// bytes. Accepted outcomes: weights loaded, checkpoint.mismatch, data.format, IOError.
#include <cstdint>

#include <tenet/tenet.hpp>

#include "tests/fuzz/fuzz_common.hpp"

namespace {
tenet::Model& model() {
  static tenet::Model m = [] {
    using namespace tenet;
    auto x = Input({4});
    auto h = Dense(3, {.activation = Activation::relu, .seed = 1})(x);
    h = BatchNorm()(h);
    Model mm(x, Dense(2, {.seed = 2})(h), "fuzz");
    mm.compile({.optimizer = Adam(), .loss = MeanSquaredError()});
    return mm;
  }();
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = tenet::fuzz::scratch_path(".weights.h5");
  tenet::Model& m = model();
  tenet::fuzz::write_file(path, data, size);
  tenet::fuzz::expect_explained([&] { m.load_weights(path); },
                                {"checkpoint.mismatch", "data.format"});
  return 0;
}
