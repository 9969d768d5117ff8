// Suite "data": the tests of checkpoint_kill.
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

TEST_SUITE("data") {

// ---------------------------------------------------------------- crash-safe checkpoints

// The child of "checkpoint: a save killed by SIGKILL ...": saves version after version of every
// weight (round * 100000 + i) and says on `ready` when the first save is complete.
[[noreturn]] void save_forever(Model& m, const std::string& path, int round, int ready[2]) {
  ::close(ready[0]);
  try {
    for (std::int64_t i = 1;; ++i) {
      const double v = round * 100000.0 + static_cast<double>(i);
      std::vector<Tensor> ws;
      for (const auto& w : m.weights()) ws.push_back(Tensor::full(w.shape(), v));
      for (const auto& l : m.layers()) {
        const std::size_t k = l.weights().size();
        if (k == 0) continue;
        l.set_weights(std::vector<Tensor>(ws.begin(), ws.begin() + static_cast<long>(k)));
        ws.erase(ws.begin(), ws.begin() + static_cast<long>(k));
      }
      m.save_weights(path);
      if (i == 1 && ::write(ready[1], "1", 1) != 1) ::_exit(3);
    }
  } catch (...) {
    ::_exit(2);
  }
}

// A child process saves weights to one path in a loop (all weights = the iteration number);
// the parent SIGKILLs it at random moments and loads the file after each kill. It must always
// find a complete checkpoint of one of the versions written.
TEST_CASE("checkpoint: a save killed by SIGKILL at any moment leaves a complete checkpoint") {
  TempDir dir;
  const std::string path = dir.file("loop.weights.h5");
  Model m = reliability::small_model(false, 2);
  std::mt19937 rng(4242);
  double last_seen = 0;
  for (int round = 0; round < 20; ++round) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the child: save forever; never returns into the test runner
      save_forever(m, path, round, ready);
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    const int polled = ::poll(&p, 1, 20000);  // the first complete save of this child
    char byte = 0;
    const bool first_saved = polled == 1 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    if (first_saved) std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 40000)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE_MESSAGE(first_saved, "the child did not finish its first save (exit status " << status << ")");
    CHECK(WIFSIGNALED(status));
    // The file must load completely, and every weight must hold one version's number.
    Model loaded = reliability::small_model(false, 2);
    CHECK_NOTHROW(loaded.load_weights(path));
    std::vector<double> values;
    for (const auto& w : loaded.weights())
      for (float v : w.to_vector<float>()) values.push_back(v);
    REQUIRE_FALSE(values.empty());
    const double v = values[0];
    for (double x : values) CHECK(x == v);
    CHECK(v >= round * 100000.0 + 1);  // this round's child saved at least once
    CHECK(v > last_seen);
    last_seen = v;
  }
  // A killed save may leave its temporary file; the checkpoint itself is never one of them.
  int temps = 0;
  for (const auto& e : fs::directory_iterator(dir.path))
    temps += e.path().filename().string().ends_with(".tmp");
  MESSAGE("temporary files left by killed saves: " << temps << " of 20 kills");
}

}  // TEST_SUITE
