// Suite "data": the tests of atomic_file_targets.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <cerrno>
#include <cstring>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "support/test_reliability_save_util.hpp"
#include "support/hostile_io_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;
using save_test::mode_at;
using save_test::names_in;
using save_test::Save;
using save_test::Writer;
using tenet::testing::capture_io;
using tenet::testing::TempDir;
using tenet::testing::has;
using tenet::testing::HostileDir;
using tenet::testing::io_message;
using tenet::testing::tiny_model;
using tenet::testing::readers;

namespace {

// Every writer refuses `path` with options.invalid naming it, `named` and `kind`; what lstat
// says of `path` does not change and no file appears in its directory.
void check_refused(const std::string& path, const std::string& kind, const std::string& named) {
  const mode_t before = mode_at(path);
  const fs::path dir = fs::path(path).parent_path();
  const auto listing = names_in(dir);
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const Save save = w.make(1);
    const ContractError e = capture([&] { save(path); });
    CHECK(e.code() == "options.invalid");
    CHECK(e.site().name == w.name);
    const std::string what = e.what();
    CHECK(what.find(w.name + "'s path") != std::string::npos);
    CHECK(what.find(path) != std::string::npos);
    CHECK(what.find(named) != std::string::npos);
    CHECK(what.find(kind) != std::string::npos);
    CHECK(mode_at(path) == before);
    CHECK(names_in(dir) == listing);
  }
}

}  // namespace

TEST_SUITE("data") {

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

TEST_CASE("save: a FIFO at the target is refused by every writer and stays a FIFO") {
  TempDir d;
  const std::string fifo = d.file("ckpt.weights.h5");
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  check_refused(fifo, "a FIFO (named pipe)", fifo);
  CHECK(S_ISFIFO(mode_at(fifo)));
  // ModelCheckpoint saves through save_weights: the same refusal from inside fit.
  Model m = reliability::small_model(false, 2);
  const Tensor x = Tensor::uniform({4, 3}, 1, -1.0, 1.0), y = Tensor::uniform({4, 2}, 2, 0.0, 1.0);
  const ContractError e = capture([&] {
    m.fit(x, y, {.epochs = 1, .verbose = 0, .callbacks = {ModelCheckpoint(fifo)}});
  });
  CHECK(e.code() == "options.invalid");
  CHECK(std::string(e.what()).find("a FIFO") != std::string::npos);
  CHECK(S_ISFIFO(mode_at(fifo)));
}

TEST_CASE("save: a character device, block device or socket is never replaced") {
  TempDir d;
  // A link to /dev/null: links are followed, so the target is the device itself.
  const std::string link = d.file("null.weights.h5");
  REQUIRE(::symlink("/dev/null", link.c_str()) == 0);
  check_refused(link, "a link to /dev/null, a character device", "/dev/null");
  CHECK(fs::is_symlink(link));
  CHECK(S_ISCHR(mode_at("/dev/null")));
  // Device nodes in the directory itself need CAP_MKNOD (root); skipped without it.
  const std::string chr = d.file("chr.h5"), blk = d.file("blk.h5");
  if (::mknod(chr.c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0 &&
      ::mknod(blk.c_str(), S_IFBLK | 0600, makedev(7, 200)) == 0) {
    check_refused(chr, "a character device", chr);
    check_refused(blk, "a block device", blk);
    CHECK(S_ISCHR(mode_at(chr)));
    CHECK(S_ISBLK(mode_at(blk)));
  } else {
    MESSAGE("mknod not permitted (" << std::strerror(errno) << "): device nodes not tested");
  }
  const std::string sock = d.file("sock.h5");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(sock.size() < sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  check_refused(sock, "a socket", sock);
  CHECK(S_ISSOCK(mode_at(sock)));
  ::close(fd);
}

TEST_CASE("save: a directory, an empty path or a path ending in '/' is refused") {
  TempDir d;
  const std::string dir = d.file("ckpt.weights.h5");
  fs::create_directory(dir);
  check_refused(dir, "a directory", dir);
  CHECK(fs::is_directory(dir));
  CHECK(fs::is_empty(dir));
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const Save save = w.make(1);
    ContractError e = capture([&] { save(""); });
    CHECK(e.code() == "options.invalid");
    CHECK(std::string(e.what()).find("an empty path") != std::string::npos);
    e = capture([&] { save(d.file("new/")); });
    CHECK(e.code() == "options.invalid");
    CHECK(std::string(e.what()).find("ending in '/'") != std::string::npos);
  }
  CHECK(names_in(save_test::dir_of(d)) == std::vector<std::string>{"ckpt.weights.h5"});
}

TEST_CASE("save: a symbolic link is written through and stays a link; a dangling one creates its file") {
  TempDir d;
  fs::create_directory(d.file("real"));
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string real = d.file("real/" + w.file), link = d.file("latest-" + w.file),
                      chain = d.file("chain-" + w.file);
    w.make(1)(real);
    REQUIRE(::symlink(("real/" + w.file).c_str(), link.c_str()) == 0);  // relative
    REQUIRE(::symlink(link.c_str(), chain.c_str()) == 0);              // a link to a link
    w.make(2)(link);
    CHECK(fs::is_symlink(link));
    CHECK(fs::read_symlink(link) == fs::path("real/" + w.file));
    CHECK(w.read(real) == 2);
    w.make(3)(chain);
    CHECK(fs::is_symlink(chain));
    CHECK(fs::is_symlink(link));
    CHECK(w.read(real) == 3);
    // A dangling link: the file it names is created, as `>` in a shell does.
    const std::string dangling = d.file("dangling-" + w.file), created = d.file("real/new-" + w.file);
    REQUIRE(::symlink(created.c_str(), dangling.c_str()) == 0);
    w.make(4)(dangling);
    CHECK(fs::is_symlink(dangling));
    CHECK(fs::is_regular_file(fs::symlink_status(created)));
    CHECK(w.read(created) == 4);
    // A link into a missing directory, and a loop of links: IOError naming what is wrong.
    const std::string nowhere = d.file("nowhere-" + w.file), loop = d.file("loop-" + w.file);
    REQUIRE(::symlink("missing/x.h5", nowhere.c_str()) == 0);
    REQUIRE(::symlink(loop.c_str(), loop.c_str()) == 0);
    std::string what = capture_io([&] { w.make(5)(nowhere); });
    CHECK(what.find(nowhere) != std::string::npos);
    CHECK(what.find("missing does not exist") != std::string::npos);
    what = capture_io([&] { w.make(5)(loop); });
    CHECK(what.find("symbolic links") != std::string::npos);
  }
  // Only the files written: no temporary file in either directory.
  CHECK(names_in(d.file("real")).size() == 6);
  CHECK(names_in(save_test::dir_of(d)).size() == 1 + 5 * 3);
}

TEST_CASE("save: a file name of NAME_MAX (255) bytes is saved by every writer") {
  TempDir d;
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string name = std::string(255 - w.file.size(), 'n') + w.file;
    REQUIRE(name.size() == 255);
    const std::string path = d.file(name);
    w.make(7)(path);
    CHECK(w.read(path) == 7);
    w.make(8)(path);  // replacing it too
    CHECK(w.read(path) == 8);
  }
  CHECK(names_in(save_test::dir_of(d)).size() == 3);
}

TEST_CASE("save: a read-only file is refused by every writer with IOError, its bytes and mode kept") {
  TempDir d;
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string path = d.file(w.file);
    w.make(1)(path);
    std::string before;
    {
      std::ifstream in(path, std::ios::binary);
      before.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (const mode_t mode : {0444, 0400}) {
      CAPTURE(mode);
      ::chmod(path.c_str(), mode);
      // old: replaced by the rename (even as root), though nothing could write the file
      const std::string what = io_message([&] { w.make(2)(path); });
      CHECK(what.find("cannot write " + path + ": the file is read-only") != std::string::npos);
      CHECK((mode_at(path) & 0777) == mode);
      std::ifstream in(path, std::ios::binary);
      CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == before);
    }
    ::chmod(path.c_str(), 0644);
    w.make(2)(path);  // writable again: replaced
    CHECK(w.read(path) == 2);
  }
}

}  // TEST_SUITE
