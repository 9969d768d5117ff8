// The tenet program (tools/tenet): every seed fixture explained with the gallery's code and
// message, several problems in one run, trace, summary, diagram, exit statuses.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/tenet_cli_util.hpp"

using namespace tenet::testing;

namespace {

struct Fixture {
  std::string name;
  int gallery_case = 0;
  std::string codes, args;
};

std::vector<Fixture> manifest() {
  std::vector<Fixture> out;
  std::istringstream in(read_text(seed_dir() + "/manifest.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Fixture f;
    words >> f.name >> f.gallery_case >> f.codes;
    std::getline(words, f.args);
    out.push_back(f);
  }
  return out;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_cli_test_" + name)).string();
}

}  // namespace

TEST_CASE("tenet explain: every seed fixture prints the gallery's code and message") {
  const Run gallery = run_command(std::string(TENET_BINARY_DIR) + "/examples/error_gallery");
  REQUIRE(gallery.out.find("=== 1. ") != std::string::npos);
  int explained = 0;
  for (const auto& f : manifest()) {
    if (f.gallery_case == 0) continue;
    CAPTURE(f.name);
    const Run r = run_tenet("explain " + f.name + ".keras" + f.args);
    CHECK(r.status == 1);
    CHECK(r.out.find("[" + f.codes + "]") != std::string::npos);
    CHECK(r.out.find("problem 1 of 1") != std::string::npos);
    const std::string expected = gallery_case(gallery.out, f.gallery_case);
    REQUIRE(expected.find("[" + f.codes + "]") != std::string::npos);
    CHECK(message_facts(r.out).find(message_facts(expected)) != std::string::npos);
    ++explained;
  }
  CHECK(explained == 11);
}

TEST_CASE("tenet explain: fixes show Python (NumPy / Keras) code, the gallery's C++") {
  // The command's user holds a Keras model and NumPy arrays: x.astype(DType::f32) or
  // slice(x, -1, 0, 3) were C++ they could not run.
  const Run gallery = run_command(std::string(TENET_BINARY_DIR) + "/examples/error_gallery");
  const auto fix_of = [](const std::string& text) {
    const auto at = text.find("  fix:");
    return at == std::string::npos ? std::string() : text.substr(at, text.find("\n\n", at) - at);
  };
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"uint8_images", "x.astype('float32') / 255", "x.astype(DType::f32) / 255.0"},
      {"rgba", "x[..., :3] keeps red, green and blue", "slice(x, -1, 0, 3) keeps red"},
      {"single_image", "np.expand_dims(x, 0)", " expand_dims(x, 0)"}};
  for (const auto& [name, python, cpp] : cases) {
    CAPTURE(name);
    const std::vector<Fixture> all = manifest();
    const auto it = std::find_if(all.begin(), all.end(), [&](const Fixture& m) { return m.name == name; });
    REQUIRE(it != all.end());
    const std::string cli = fix_of(run_tenet("explain " + name + ".keras" + it->args).out);
    const std::string cxx = fix_of(gallery_case(gallery.out, it->gallery_case));
    CHECK(cli.find(python) != std::string::npos);
    CHECK(cli.find(cpp) == std::string::npos);
    CHECK(cli.find("DType::") == std::string::npos);
    CHECK(cxx.find(cpp) != std::string::npos);
  }
}

TEST_CASE("tenet explain: independent problems are all reported in one run") {
  const Run r = run_tenet("explain two_problems.keras --data two_problems.h5");
  CHECK(r.status == 1);
  CHECK(r.out.find("[input.shape] data for Input 'image' differs on channels (axis 3)") != std::string::npos);
  CHECK(r.out.find("actual:   (4, 16, 16, 4)") != std::string::npos);
  CHECK(r.out.find("[loss.label_range]") != std::string::npos);
  CHECK(r.out.find("problem 2 of 2") != std::string::npos);
  CHECK(r.out.find("2 problems found; no training step or predict was run") != std::string::npos);
}

TEST_CASE("tenet explain: a sound model and data run one step and one predict, exit 0") {
  const Run r = run_tenet("explain sound.keras --data sound.h5 --batch 4");
  CHECK(r.status == 0);
  CHECK(r.out.find("loss sparse_categorical_crossentropy (from the model file)") != std::string::npos);
  CHECK(r.out.find("image <- image (8, 8, 8, 1) float32") == std::string::npos);
  CHECK(r.out.find("image <- x (8, 8, 8, 1) float32") != std::string::npos);
  CHECK(r.out.find("labels <- y (8,) int32") != std::string::npos);
  CHECK(r.out.find("one training step on 4 samples: loss ") != std::string::npos);
  CHECK(r.out.find("predict on 4 samples: output (4, 3) float32") != std::string::npos);
  CHECK(r.out.find("no problems found") != std::string::npos);
}

TEST_CASE("tenet explain: the input.range warning fit would print is listed, not counted") {
  std::vector<float> pixels(8 * 8 * 8), scaled(8 * 8 * 8);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<float>(i % 256), scaled[i] = static_cast<float>(i % 256) / 255.0f;
  const tenet::Tensor y = tenet::Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 0, 1, 2, 0, 1}, {8});
  const std::string unscaled = temp("unscaled.h5"), ok = temp("scaled.h5");
  tenet::data::save_h5(unscaled, {{"x", tenet::Tensor::from_vector(pixels, {8, 8, 8, 1})}, {"y", y}});
  tenet::data::save_h5(ok, {{"x", tenet::Tensor::from_vector(scaled, {8, 8, 8, 1})}, {"y", y}});
  const Run r = run_tenet("explain sound.keras --data " + unscaled + " --batch 4");
  CHECK(r.status == 0);  // fit trains anyway: a warning, not a problem
  CHECK(r.out.find("--- warning 1 of 1 ---\n[input.range] the values of Input 'image' (0 to 255)") != std::string::npos);
  CHECK(r.out.find("the data of Input 'image' spans 0 to 255, the range of 8-bit pixels") != std::string::npos);
  CHECK(r.out.find("no Rescaling follows the Input, so 'conv2d' (Conv2D) computes on values") != std::string::npos);
  CHECK(r.out.find("one training step on 4 samples") != std::string::npos);
  CHECK(r.out.find("no problems found; 1 warning (fit trains anyway)") != std::string::npos);
  CHECK(r.out.find("tenet warning:") == std::string::npos);  // not printed a second time by fit
  // The same images divided by 255: nothing to say.
  const Run s = run_tenet("explain sound.keras --data " + ok + " --batch 4");
  CHECK(s.status == 0);
  CHECK(s.out.find("[input.range]") == std::string::npos);
  CHECK(s.out.find("no problems found\n") != std::string::npos);
  std::filesystem::remove(unscaled);
  std::filesystem::remove(ok);
}

TEST_CASE("tenet trace: one row per layer with statistics, gradient norms for trainable layers") {
  const Run r = run_tenet("trace sound.keras --data sound.h5 --batch 8");
  CHECK(r.status == 0);
  CHECK(r.out.find("one batch of 8 samples from sound.h5, training mode (loss ") != std::string::npos);
  CHECK(r.out.find("layer (type)") != std::string::npos);
  CHECK(r.out.find("grad norm") != std::string::npos);
  for (const char* row : {"image (InputLayer)", "(8, 8, 8, 1)", "conv2d (Conv2D)", "(8, 8, 8, 4)",
                          "max_pooling2d (MaxPool2D)", "(8, 4, 4, 4)", "flatten (Flatten)", "(8, 64)",
                          "dense (Dense)", "(8, 3)"})
    CHECK_MESSAGE(r.out.find(row) != std::string::npos, row);
  // The Input row has no weights: its gradient column is "-"; Dense has a number there.
  const std::regex no_gradient(R"(\s-(\s|$))");
  const auto row_of = [&](const std::string& out, const std::string& layer) {
    const auto at = out.find(layer);
    return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
  };
  CHECK(std::regex_search(row_of(r.out, "image (InputLayer)"), no_gradient));
  CHECK_FALSE(std::regex_search(row_of(r.out, "dense (Dense)"), no_gradient));
  // Without labels (a .npy of inputs only): inference mode, no gradients.
  const std::string npy = temp("inputs.npy");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 8, 8, 1), }";
  header += std::string(128 - 10 - header.size() - 1, ' ') + "\n";  // 128 bytes in all, as NumPy pads
  std::ofstream(npy, std::ios::binary) << std::string("\x93NUMPY\x01\x00", 8) << static_cast<char>(header.size())
                                       << '\0' << header << std::string(2 * 64 * 4, '\0');
  const Run p = run_tenet("trace sound.keras --data " + npy);
  CHECK(p.status == 0);
  CHECK(p.out.find("inference mode") != std::string::npos);
  CHECK(std::regex_search(row_of(p.out, "dense (Dense)"), no_gradient));
  std::filesystem::remove(npy);
  // Data that breaks a contract: the error, exit 1.
  const Run bad = run_tenet("trace wrong_size.keras --data wrong_size.h5");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("[input.shape]") != std::string::npos);
}

TEST_CASE("tenet summary: the table of a model; a model that does not build exits 1") {
  const Run r = run_tenet("summary sound.keras");
  CHECK(r.status == 0);
  CHECK(r.out.find("Model: \"sound\"") != std::string::npos);
  CHECK(r.out.find("conv2d (Conv2D)") != std::string::npos);
  CHECK(r.out.find("Total params: 235") != std::string::npos);  // 3*3*1*4+4 + 64*3+3
  const Run bad = run_tenet("summary concat_sizes.keras");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("[concat.shape]") != std::string::npos);
  CHECK(bad.out.find("conv2d_1 (Conv2D) (None, 128, 128, 8)") != std::string::npos);
}

TEST_CASE("tenet diagram: SVG and DOT; the failing layer and its edges in red with both shapes") {
  const std::string svg = temp("sound.svg"), dot = temp("concat.dot"), bad_svg = temp("concat.svg");
  const Run ok = run_tenet("diagram sound.keras -o " + svg);
  CHECK(ok.status == 0);
  const std::string s = read_text(svg);
  CHECK(s.rfind("<svg", 0) == 0);
  CHECK(s.find("conv2d (Conv2D)") != std::string::npos);
  CHECK(s.find("stroke='#d62728'") == std::string::npos);  // nothing red
  const Run bad = run_tenet("diagram concat_sizes.keras -o " + dot);
  CHECK(bad.status == 1);
  const std::string d = read_text(dot);
  CHECK(d.find("-> n4 [label=\" (None, 64, 64, 8)\", color=\"#d62728\"") != std::string::npos);
  CHECK(d.find("-> n4 [label=\" (None, 128, 128, 8)\", color=\"#d62728\"") != std::string::npos);
  CHECK(d.find("concat.shape: expected (None, 64, 64, 8), received (None, 128, 128, 8)") != std::string::npos);
  CHECK(run_tenet("diagram concat_sizes.keras -o " + bad_svg).status == 1);
  const std::string b = read_text(bad_svg);
  CHECK(b.find("stroke='#d62728'") != std::string::npos);
  CHECK(b.find("(None, 128, 128, 8)") != std::string::npos);
  for (const auto& p : {svg, dot, bad_svg}) std::filesystem::remove(p);
}

TEST_CASE("tenet: exit status 2 for bad usage, 0 for --help, 1 for a bad data file") {
  CHECK(run_tenet("").status == 2);
  CHECK(run_tenet("explain sound.keras").status == 2);                       // --data missing
  CHECK(run_tenet("explain missing.keras --data sound.h5").status == 2);     // no such file
  CHECK(run_tenet("diagram sound.keras -o out.png").status == 2);            // not .svg/.dot
  CHECK(run_tenet("explain sound.keras --data sound.h5 --loss hinge").status == 2);
  CHECK(run_tenet("explain sound.keras --data sound.h5 --batch 0").status == 2);
  const Run unknown = run_tenet("explain sound.keras --data sound.h5 --x thumb=/x");
  CHECK(unknown.status == 2);
  CHECK(unknown.out.find("the model has no input 'thumb'; its inputs: image") != std::string::npos);
  const Run absent = run_tenet("explain sound.keras --data sound.h5 --x image=/train/x");
  CHECK(absent.status == 2);
  CHECK(absent.out.find("holds no array 'train/x'") != std::string::npos);
  for (const char* cmd : {"--help", "explain --help", "trace --help", "summary --help", "diagram --help"}) {
    const Run h = run_tenet(cmd);
    CHECK(h.status == 0);
    CHECK(h.out.find("Usage:") != std::string::npos);
  }
  const Run corrupt = run_tenet("explain sound.keras --data manifest.txt");
  CHECK(corrupt.status == 1);
  CHECK(corrupt.out.find("[data.format]") != std::string::npos);
}
