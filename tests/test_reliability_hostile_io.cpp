// Suite "reliability", part: hostile paths given to tenet's file entry points. Reading a
// directory, FIFO, device, an empty path or "file/" names what the path is (no false "no such
// file"); the text writers (CSVLogger, write_history_csv, plot_history) refuse a FIFO, device
// or directory like every other writer instead of blocking on it or failing without a reason.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <tenet/tenet.hpp>

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;

namespace {

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
HostileDir::~HostileDir() {
  if (reader >= 0) ::close(reader);
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string io_message(const std::function<void()>& f) {
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

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Sequential tiny_model() {
  Sequential m({Input({3}), Dense(2)});
  m.compile({.optimizer = SGD({.learning_rate = 0.01}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

void fit_with(Sequential& m, Callback cb) {
  Tensor x = Tensor::uniform({4, 3}, 1, -1.0, 1.0);
  Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 0, 1}, {4});
  m.fit({x}, y, {.epochs = 2, .batch_size = 2, .verbose = 0, .callbacks = {cb}});
}

// Every reader, on one path.
std::vector<std::pair<std::string, std::function<void(const std::string&)>>> readers() {
  return {{"load_weights", [](const std::string& p) { tiny_model().load_weights(p); }},
          {"load_h5", [](const std::string& p) { data::load_h5(p); }},
          {"read_idx", [](const std::string& p) { data::read_idx(p); }}};
}

}  // namespace

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

TEST_CASE("hostile IO: CSVLogger, write_history_csv and plot_history refuse a FIFO, device or "
          "directory with options.invalid") {
  HostileDir dir;
  const std::string fifo = dir.fifo("log.csv");
  History h;
  h.epoch = {0};
  h.history["loss"] = {0.5};
  struct Writer {
    std::string name;
    std::function<void(const std::string&)> write;
  };
  const std::vector<Writer> writers = {
      {"write_history_csv", [&](const std::string& p) { write_history_csv(h, p); }},
      {"plot_history", [&](const std::string& p) { plot_history(h, p); }},
      {"CSVLogger", [](const std::string& p) { auto m = tiny_model(); fit_with(m, CSVLogger(p)); }},
      {"CSVLogger", [](const std::string& p) {
         auto m = tiny_model();
         fit_with(m, CSVLogger(p, {.append = true}));
       }}};
  struct Target {
    std::string path, kind;
  };
  const std::vector<Target> targets = {{fifo, "a FIFO (named pipe)"},
                                       {"/dev/null", "a character device"},
                                       {dir.path.string(), "a directory"},
                                       {"", "empty"}};
  for (const auto& w : writers) {
    for (const auto& t : targets) {
      CAPTURE(w.name);
      CAPTURE(t.path);
      auto e = capture([&] { w.write(t.path); });
      CHECK(e.code() == "options.invalid");
      CHECK(has(e.what(), w.name + "'s path"));
      CHECK(has(e.what(), t.kind));
    }
  }
  struct stat st;
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));  // left as it was
  char buf[16];
  CHECK(::read(dir.reader, buf, sizeof buf) <= 0);  // nothing was written into it
}

TEST_CASE("hostile IO: CSVLogger still writes, appends and keeps rows across fits") {
  HostileDir dir;
  const std::string log = dir.file("log.csv");
  auto m = tiny_model();
  fit_with(m, CSVLogger(log));
  fit_with(m, CSVLogger(log, {.append = true}));
  std::ifstream in(log);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 5);  // one header, 2 + 2 rows
  CHECK(lines[0] == "epoch,loss");
  CHECK(lines[1].rfind("0,", 0) == 0);  // epochs count from 0, as in Keras
  CHECK(lines[3].rfind("0,", 0) == 0);  // the second fit appended its rows
  fit_with(m, CSVLogger(log));  // not append: starts over
  std::ifstream again(log);
  int rows = 0;
  while (std::getline(again, line)) ++rows;
  CHECK(rows == 3);
}

TEST_CASE("hostile IO: a write into /proc says the file system refuses new files, not that /proc "
          "does not exist") {
  REQUIRE(fs::is_directory("/proc"));
  const std::string w = io_message([] { tiny_model().save_weights("/proc/tenet_x.weights.h5"); });
  const std::string i =
      io_message([] { data::write_idx("/proc/tenet_x.idx", Tensor::zeros({2}, DType::u8)); });
  for (const std::string& msg : {w, i}) {
    CAPTURE(msg);
    CHECK(has(msg, "cannot create a temporary file in /proc"));
    CHECK(has(msg, "does not allow new files"));
    CHECK_FALSE(has(msg, "does not exist"));
  }
  HostileDir dir;  // a directory that really is missing is still named as missing
  const std::string missing =
      io_message([&] { tiny_model().save_weights(dir.file("no/such/dir/w.weights.h5")); });
  CHECK(has(missing, "no/such/dir does not exist"));
}
