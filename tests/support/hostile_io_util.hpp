#pragma once
// Directories holding FIFOs, devices and sockets, and the readers and writers pointed at them.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

namespace tenet::testing {
using namespace tenet;
namespace fs = std::filesystem;

struct HostileDir {
  HostileDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("tenet_hostile_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  // A FIFO with a non-blocking reader held open, so that code which (wrongly) opens it for
  // writing does not block the test; the reader is closed with the directory.
  std::string fifo(const std::string& name) {
    const std::string p = file(name);
    REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
    reader = ::open(p.c_str(), O_RDONLY | O_NONBLOCK);
    REQUIRE(reader >= 0);
    return p;
  }
  fs::path path;
  int reader = -1;
  ~HostileDir();
};
inline HostileDir::~HostileDir() {
  if (reader >= 0) ::close(reader);
  std::error_code ec;
  fs::remove_all(path, ec);
}

inline std::string io_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const IOError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected an IOError, got: " << e.what());
  }
  FAIL("expected an IOError");
  return "";
}

inline Sequential tiny_model() {
  Sequential m({Input({3}), Dense(2)});
  m.compile({.optimizer = SGD({.learning_rate = 0.01}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

// Every reader, on one path.
inline std::vector<std::pair<std::string, std::function<void(const std::string&)>>> readers() {
  return {{"load_weights", [](const std::string& p) { tiny_model().load_weights(p); }},
          {"load_h5", [](const std::string& p) { data::load_h5(p); }},
          {"read_idx", [](const std::string& p) { data::read_idx(p); }}};
}

}  // namespace tenet::testing
