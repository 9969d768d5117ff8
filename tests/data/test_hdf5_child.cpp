// Suite "data", part: TENET_H5_READER naming a program that is not tenet's reader. Such a
// program exits without a result or sends garbage; that is the variable's fault, not the
// file's: options.invalid naming TENET_H5_READER, never data.format blaming the file.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>
#include <tenet/data/hdf5_io.hpp>

#include "data/hdf5_guard.hpp"
#include "support/test_data_util.hpp"

using namespace tenet;
using tenet::testing::TempDir;
using tenet::testing::capture_contract;

namespace {

struct ReaderEnv {
  explicit ReaderEnv(const std::string& value) {
    REQUIRE(::setenv("TENET_H5_READER", value.c_str(), 1) == 0);
  }
  ~ReaderEnv() { ::unsetenv("TENET_H5_READER"); }
};

// One other thread, so that reads go through the helper (a fork only when single-threaded).
class OtherThread {
 public:
  OtherThread() : t_([this] { while (!stop_) std::this_thread::yield(); }) {}
  ~OtherThread() {
    stop_ = true;
    t_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread t_;
};

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string p = dir.file(name);
  std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
  REQUIRE(::chmod(p.c_str(), 0755) == 0);
  return p;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("HDF5: TENET_H5_READER naming another program is options.invalid, not data.format") {
  TempDir dir;
  const std::string path = dir.file("a.h5");
  data::save_h5(path, {{"a", Tensor::ones({3})}});
  const std::string weights = dir.file("m.weights.h5");
  Sequential m({Input({3}), Dense(2)});
  m.save_weights(weights);
  struct Case {
    std::string exe, says;
  };
  const std::vector<Case> cases = {
      {"/bin/true", "exited with status 0 without sending a result"},
      {script(dir, "garbage.sh", "printf '\\377\\377\\377\\377\\377\\377\\377\\177'"),
       "it is not a tenet-h5-reader of this tenet"}};
  OtherThread other;
  for (const auto& c : cases) {
    CAPTURE(c.exe);
    ReaderEnv env(c.exe);
    for (int reader = 0; reader < 2; ++reader) {
      const ContractError e = capture_contract([&] {
        if (reader == 0) data::load_h5(path);
        else m.load_weights(weights);
      });
      REQUIRE(data::detail::last_read_path() == data::detail::ReadPath::spawned);
      CHECK(e.code() == "options.invalid");
      const std::string msg = e.what();
      CHECK(msg.find("TENET_H5_READER = '" + c.exe + "'") != std::string::npos);
      CHECK(msg.find(c.says) != std::string::npos);
      CHECK(msg.find("crashes on this file") == std::string::npos);
    }
  }
  ::unsetenv("TENET_H5_READER");
  CHECK(data::load_h5(path).count("a") == 1);  // the real helper still reads it
}

}  // TEST_SUITE
