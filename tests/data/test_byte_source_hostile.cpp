// Suite "data": the tests of byte_source_hostile.
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
#include "support/hostile_io_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;
using tenet::testing::has;
using tenet::testing::HostileDir;
using tenet::testing::io_message;
using tenet::testing::tiny_model;
using tenet::testing::readers;

TEST_SUITE("data") {

TEST_CASE("hostile IO: reading a directory, FIFO, device, empty path or file/ says what it is") {
  HostileDir dir;
  const std::string fifo = dir.fifo("pipe.h5");
  const std::string file = dir.file("real.h5");
  tiny_model().save_weights(file);
  struct Case {
    std::string path, says;
  };
  const std::vector<Case> cases = {
      {dir.path.string(), "it is a directory, not a regular file"},
      {fifo, "it is a FIFO (named pipe), not a regular file"},
      {"/dev/null", "it is a character device, not a regular file"},
      {"", "the path is empty"},
      {file + "/", "is a file, not a directory"}};
  for (const auto& [name, read] : readers()) {
    for (const auto& c : cases) {
      CAPTURE(name);
      CAPTURE(c.path);
      const std::string msg = io_message([&] { read(c.path); });
      CHECK(has(msg, c.says));
      CHECK_FALSE(has(msg, "no such file"));
      CHECK_FALSE(has(msg, "save_weights(\""));  // the hint for a missing file only
    }
  }
  // A missing file is still "no such file", with load_weights' hint.
  const std::string missing = io_message([&] { tiny_model().load_weights(dir.file("nope.h5")); });
  CHECK(has(missing, "no such file"));
  CHECK(has(missing, "save_weights(\""));
  // Fashion-MNIST: a FIFO in place of a file is named as one, not as a missing file.
  fs::create_directories(dir.path / "fm");
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    REQUIRE(::mkfifo((dir.path / "fm" / f).c_str(), 0600) == 0);
  const std::string fm = io_message([&] { data::load_fashion_mnist((dir.path / "fm").string()); });
  CHECK(has(fm, "train-images-idx3-ubyte.gz"));
  CHECK(has(fm, "it is a FIFO (named pipe), not a regular file"));
  CHECK_FALSE(has(fm, "not found"));
}

}  // TEST_SUITE
