// Suite "data": the tests of fuzz_regressions.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "data/hdf5_guard.hpp"
#include "support/test_reliability_util.hpp"
#include "support/file_fuzz_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;
using tenet::testing::TempDir;
using tenet::testing::fuzz_model;
using tenet::testing::outcome;

namespace {

std::vector<unsigned char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_SUITE("data") {

// ---------------------------------------------------------------- fuzz corpus and regressions

TEST_CASE("fuzz seeds load, and every truncation of them is refused with data.format") {
  const fs::path corpus = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/corpus";
  TempDir dir;
  auto xy = data::load_h5((corpus / "fuzz_h5/xy.h5").string());
  CHECK(xy.at("x").shape() == Shape{2, 3});
  CHECK(xy.at("y").dtype() == DType::i64);
  CHECK(data::read_idx((corpus / "fuzz_idx/images.idx.gz").string()).shape() == Shape{2, 2, 2});
  Model m = fuzz_model();
  m.load_weights((corpus / "fuzz_weights/trained_weights.h5").string());
  for (const char* seed : {"fuzz_h5/xy.h5", "fuzz_weights/trained_weights.h5", "fuzz_idx/images.idx"}) {
    const auto bytes = read_bytes(corpus / seed);
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 3, bytes.size() / 2,
                            bytes.size() - 1}) {
      CAPTURE(seed);
      CAPTURE(cut);
      const fs::path p = dir.path / "cut.bin";
      write_bytes(p, std::vector<unsigned char>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
      std::string got;
      if (std::string(seed).starts_with("fuzz_h5")) got = outcome([&] { data::load_h5(p.string()); });
      else if (std::string(seed).starts_with("fuzz_idx")) got = outcome([&] { data::read_idx(p.string()); });
      else got = outcome([&] { m.load_weights(p.string()); });
      CHECK(got == "data.format");
    }
  }
}

TEST_CASE("fuzz regressions: every input that once crashed a loader is now explained") {
  const fs::path dir = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/regressions";
  Model m = fuzz_model();
  int files = 0;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      const std::string p = e.path().string();
      CAPTURE(name);  // fuzz_<target>-crash-<sha1>: the target it crashed
      std::string got;
      if (name.starts_with("fuzz_idx")) got = outcome([&] { data::read_idx(p); });
      else if (name.starts_with("fuzz_h5")) got = outcome([&] { data::load_h5(p); });
      else if (name.starts_with("fuzz_weights")) got = outcome([&] { m.load_weights(p); });
      else continue;
      ++files;
      CHECK((got == "ok" || got == "io" || got == "data.format" || got == "checkpoint.mismatch"));
    }
  MESSAGE(files << " fuzz regression inputs replayed");
}

}  // TEST_SUITE
