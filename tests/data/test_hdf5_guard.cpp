// Suite "data": the tests of hdf5_guard.
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
using tenet::testing::fuzz_model;
using tenet::testing::outcome;

TEST_SUITE("data") {

// Files found by fuzzing on which Debian's HDF5 1.10.8 itself crashes or never returns: a
// corrupt local heap (H5Lvisit copies into a null buffer), a corrupt global heap (H5Aread
// loops), a page read past its buffer (SIGSEGV in H5F__accum_read under H5PB_read), a link
// name built from a corrupt object header (SIGSEGV in H5G_build_fullpath_refstr_str) and an
// unbounded recursion (stack overflow under H5WB_actual). tenet reads every HDF5 file in a
// forked child first (data/hdf5_guard.cpp), so each must come back as data.format, in this
// process and within the guard's time limit.
TEST_CASE("HDF5 files that crash or hang libhdf5 are refused with data.format") {
  const fs::path dir = fs::path(TENET_SOURCE_DIR) / "tests/fuzz/known_crashes";
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string(), p = e.path().string();
    CAPTURE(name);
    const auto t0 = std::chrono::steady_clock::now();
    std::string got = name.starts_with("fuzz_h5") ? outcome([&] { data::load_h5(p); })
                                                  : outcome([&] { fuzz_model().load_weights(p); });
    CHECK(got == "data.format");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
  }
}

// A program that sets SIGCHLD to SIG_IGN has its children reaped unseen, so the guard cannot
// read the child's exit status: it must then go by whether the child finished its read.
TEST_CASE("the HDF5 guard still accepts good files and refuses crashing ones when SIGCHLD is ignored") {
  const fs::path src = TENET_SOURCE_DIR;
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGCHLD, &ignore, &old) == 0);
  Model m = fuzz_model();
  const std::string good = outcome([&] {
    m.load_weights((src / "tests/fuzz/corpus/fuzz_weights/fresh_weights.h5").string());
  });
  const std::string crash = outcome([&] {
    data::load_h5(
        (src / "tests/fuzz/known_crashes/fuzz_h5-crash-a0f7bd2aa3f034ead3ff037e53fc32a02d7f04b5")
            .string());
  });
  ::sigaction(SIGCHLD, &old, nullptr);
  CHECK(good == "ok");
  CHECK(crash == "data.format");
}

// The guard stops a looping read after its CPU-time budget (a 1 s base by default; scripts/fuzz.sh
// sets 25 ms; this test 100 ms; plus 20 ms per MiB of the most data the file can hold: this
// 26,240-byte file may inflate to 25 MiB, so 0.6 s in all) and says so.
TEST_CASE("the HDF5 guard stops a read on which libhdf5 loops after its CPU budget") {
  const fs::path p = fs::path(TENET_SOURCE_DIR) /
                     "tests/fuzz/known_crashes/fuzz_weights-timeout-63e2dc9d3c9fbaef39338c4f9e8a0f510904ee7c";
  Model m = fuzz_model();
  struct Budget {  // set for this test only, whatever it throws
    Budget() { REQUIRE(::setenv("TENET_HDF5_CPU_BUDGET_MS", "100", 1) == 0); }
    ~Budget() { ::unsetenv("TENET_HDF5_CPU_BUDGET_MS"); }
  } budget;
  const auto t0 = std::chrono::steady_clock::now();
  std::string code, msg;
  try {
    m.load_weights(p.string());
  } catch (const ContractError& e) {
    code = e.code(), msg = e.what();
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(msg);
  CHECK(code == "data.format");
  CHECK(msg.find("reading it does not finish: the HDF5 library loops on this file") != std::string::npos);
  CHECK(msg.find("no result after 0.6 s of CPU time") != std::string::npos);
  CHECK(took < std::chrono::seconds(5));  // 0.6 s of CPU, however busy the machine
}

}  // TEST_SUITE
