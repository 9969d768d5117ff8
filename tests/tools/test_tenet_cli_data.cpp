// The tenet program given data or model files that are wrong in ways users meet: an input with
// no array, arrays the file lacks, NaN or empty data, archives without weights, legacy files.
// The fixtures in tests/fixtures/cli are described in its manifest.txt.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/tenet_cli_util.hpp"
#include "support/test_util.hpp"

using namespace tenet::testing;

namespace {

// `tenet ARGS` run inside tests/fixtures/cli, whose files may name the seed's (../seed/...).
Run run_cli(const std::string& args) {
  return run_command("cd " + std::string(TENET_SOURCE_DIR) + "/tests/fixtures/cli && " +
                     std::string(TENET_BINARY_DIR) + "/tenet " + args);
}

bool has(const Run& r, const std::string& text) { return r.out.find(text) != std::string::npos; }

}  // namespace

TEST_SUITE("tools") {

TEST_CASE("tenet explain/trace: an Input without an array is named, with what DATA holds") {
  // Only labels, or the images under a name tenet does not look for: used to crash (SIGSEGV).
  for (const std::string data : {"only_labels.npz", "train_images.h5"}) {
    CAPTURE(data);
    const Run r = run_cli("explain ../seed/sound.keras --data " + data);
    CHECK(r.status == 1);
    CHECK(has(r, "[input.count] DATA holds no array for image: the model has 1 input(s), DATA gives 0"));
    CHECK(has(r, "names looked for (for image: image, x/image, inputs/image,"));
    CHECK(has(r, "fix:      name the array of each missing Input: --x image=NAME"));
  }
  const Run named = run_cli("explain ../seed/sound.keras --data train_images.h5");
  CHECK(has(named, "it holds: train_images (8, 8, 8, 1), y (8,)"));
  // Two Inputs, the first missing: the second's correct array was blamed, by position.
  for (const std::string command : {"explain", "trace"}) {
    CAPTURE(command);
    const Run r = run_cli(command + " two_inputs.json --data only_b.npz");
    CHECK(r.status == 1);
    CHECK(has(r, "DATA holds no array for a: the model has 2 input(s), DATA gives 1"));
    CHECK(has(r, "actual:   b <- b (8, 6) float32"));
    CHECK_FALSE(has(r, "no array was given for b"));
    CHECK_FALSE(has(r, "[input.shape]"));
  }
}

TEST_CASE("tenet explain: an array or file that is not there is bad usage, whatever the kind") {
  // HDF5 with every array named (read by name) said data.format, exit 1, before.
  const Run h5 = run_cli("explain ../seed/sound.keras --data ../seed/sound.h5 --x images --y y");
  CHECK(h5.status == 2);
  CHECK(has(h5, "--x images: ../seed/sound.h5 holds no array 'images'; the file holds: x, y"));
  const Run npy = run_cli("explain ../seed/sound.keras --data images.npy --y no_such_labels.npy");
  CHECK(npy.status == 2);  // exit 1 before
  CHECK(has(npy, "--y no_such_labels.npy: no such file, and images.npy holds no array"));
  // np.save of an array with an axis of 0 has no data bytes: it was "truncated" before.
  const Run zero = run_cli("explain ../seed/sound.keras --data zero_dim.npy");
  CHECK(zero.status == 1);
  CHECK(has(zero, "[input.shape]"));
  CHECK(has(zero, "actual:   (8, 0, 8, 1)"));
  CHECK_FALSE(has(zero, "ends early"));
}

TEST_CASE("tenet explain/trace: NaN in the data and an empty array are problems, said as such") {
  const Run nan = run_cli("explain ../seed/sound.keras --data nan_images.npy");
  CHECK(nan.status == 1);  // "no problems found" before: predict returned NaN without a word
  CHECK(has(nan, "[numerics.nonfinite] the data for Input 'image' holds non-finite values"));
  CHECK(has(nan, "512 NaN and 0 Inf among 512 values"));
  const Run traced = run_cli("trace ../seed/sound.keras --data nan_images.npy");
  CHECK(traced.status == 1);  // min inf, max -inf and "dead: 100% zeros" before
  CHECK(has(traced, "512 NaN/Inf values in the data (left out of mean, std, min and max)"));
  CHECK_FALSE(has(traced, "dead:"));
  const Run empty = run_cli("trace ../seed/sound.keras --data no_samples.npz");
  CHECK(empty.status == 1);  // "one batch of 0 samples" and vanishing-gradient notes before
  CHECK(has(empty, "[batch.empty] trace received no samples"));
  CHECK(has(empty, "statistics over no samples describe nothing"));
}

TEST_CASE("tenet explain: an overflow in the first step is not blamed on the learning rate") {
  const Run r = run_cli("explain rescale_huge.json --data ../seed/sound.h5");
  CHECK(r.status == 1);
  CHECK(has(r, "[numerics.nonfinite]"));
  CHECK(has(r, "no optimizer update has run in this model yet"));
  CHECK_FALSE(has(r, "learning rate is too high"));
  CHECK_FALSE(has(r, "lower the learning rate"));
}

TEST_CASE("tenet: model files that lost their weights, are Keras 2 files or were never built") {
  const Run nw = run_cli("explain no_weights.keras --data ../seed/sound.h5");
  CHECK(nw.status == 1);  // loaded with fresh weights and "no problems found" before
  CHECK(has(nw, "the archive has no model.weights.h5"));
  CHECK(has(nw, "load_model refuses it too"));
  const Run k2 = run_cli("summary legacy_keras2.h5");
  CHECK(k2.status == 1);
  CHECK(has(k2, "the file is a Keras 2 HDF5 model"));
  CHECK(has(k2, "keras.models.load_model('m.h5').save('m.keras')"));
  CHECK_FALSE(has(k2, "holds the weights without the architecture"));
  const Run seq = run_cli("summary unbuilt_sequential.json");
  CHECK(seq.status == 1);
  CHECK(has(seq, "[model.unsupported]"));
  CHECK(has(seq, "the Sequential was never built, so the file holds no input shape"));
  const Run twice = run_cli("summary config_twice.keras");
  CHECK(twice.status == 1);
  CHECK(has(twice, "two entries of the archive have the same name"));
  CHECK_FALSE(has(twice, "libzip"));
  const Run never = run_cli("summary no_inbound.json");
  CHECK(has(never, "refers to 'd2', a layer that is never called in the model"));
  const tenet::testing::TempDir dir;
  const std::string empty = (dir.path / "empty.keras").string();
  std::ofstream(empty).close();
  const Run e = run_cli("summary " + empty);
  CHECK(has(e, "actual:   an empty file"));
  CHECK_FALSE(has(e, "json.exception"));
  CHECK_FALSE(has(e, "common.cpp"));  // the program's own lines are not the user's
}

TEST_CASE("tenet: explanations fit the case (uint8 Input, class indices for MSE or BCE)") {
  const Run u8 = run_cli("summary uint8_dense.json");
  CHECK(u8.status == 1);
  CHECK(has(u8, "the model's graph gives it a uint8 tensor"));
  CHECK(has(u8, "put keras.layers.Rescaling(1 / 255) before 'dense'"));
  CHECK_FALSE(has(u8, "declare the Input with dtype uint8"));  // it already is
  for (const std::string args : {"no_compile.json --loss mse", "bce.json"}) {
    CAPTURE(args);
    const Run r = run_cli("explain " + args + " --data ../seed/sound.h5");
    CHECK(r.status == 1);
    CHECK(has(r, "which looks like class indices"));
    CHECK(has(r, "keras.utils.to_categorical(y, 3)"));
    CHECK_FALSE(has(r, "regression"));
    CHECK_FALSE(has(r, "expand_dims(y, -1)"));  // it would give (8, 1), not (8, 3)
  }
}

TEST_CASE("tenet: bad usage found late (unknown command, -o naming a directory or '.svg')") {
  const Run unknown = run_cli("frobnicate ../seed/sound.keras");
  CHECK(unknown.status == 2);
  CHECK(has(unknown, "unknown command 'frobnicate'"));
  const tenet::testing::TempDir dir;
  std::filesystem::create_directory(dir.path / "out.svg");
  const Run d = run_cli("diagram ../seed/sound.keras -o " + (dir.path / "out.svg").string());
  CHECK(d.status == 2);  // exit 1 with a weights-file name as the fix before
  CHECK(has(d, "it is a directory; give a file name ending in .svg or .dot"));
  const std::string hidden = (dir.path / ".svg").string();
  CHECK(run_cli("diagram ../seed/sound.keras -o " + hidden).status == 0);
  CHECK(read_text(hidden).rfind("<svg", 0) == 0);  // DOT text before
}

}  // TEST_SUITE
