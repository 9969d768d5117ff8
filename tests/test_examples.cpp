// Suite "examples": the main job on a subset of Fashion-MNIST (it must learn and write its
// outputs) and the example programs that finish in seconds.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>
#include <string>

#include <tenet.hpp>

namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string output;
};

Run run(const std::string& command) {
  Run r{-1, ""};
  std::FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) r.output += buf.data();
  r.status = pclose(p);
  return r;
}

const std::string kExamples = std::string(TENET_BINARY_DIR) + "/examples/";

}  // namespace

TEST_SUITE("examples") {

TEST_CASE("two_view (the main job) learns on a subset and writes its outputs") {
  fs::path out = fs::temp_directory_path() / ("tenet_two_view_" + std::to_string(::getpid()));
  fs::remove_all(out);
  Run r = run(kExamples + "two_view --epochs 1 --train-samples 4000 --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex(R"(Test accuracy: ([0-9.]+)%)")));
  CHECK(std::stod(m[1]) > 65.0);  // one epoch on 4000 images; the full run is in the README
  CHECK(r.output.find("Total params: 431,210") != std::string::npos);
  CHECK(r.output.find("Most confused classes") != std::string::npos);
  for (const char* f : {"two_view.weights.h5", "training_curves.svg", "training_curves.csv",
                        "training_log.csv", "two_view.dot"})
    CHECK_MESSAGE(fs::exists(out / f), f);
  std::ifstream csv(out / "training_curves.csv");
  std::string header;
  std::getline(csv, header);
  CHECK(header == "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss");  // learning_rate: ReduceLROnPlateau
  std::ifstream svg(out / "training_curves.svg");
  std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  CHECK(text.find("<svg") == 0);
  CHECK(text.find("polyline") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("own_data_hdf5 trains on its HDF5 file") {
  fs::path file = fs::temp_directory_path() / ("tenet_squares_" + std::to_string(::getpid()) + ".h5");
  Run r = run(kExamples + "own_data_hdf5 " + file.string());
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("validation accuracy") != std::string::npos);
  fs::remove(file);
}

}  // TEST_SUITE
