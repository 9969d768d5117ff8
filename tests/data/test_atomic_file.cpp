// Suite "data", saving part 2: temporary files. Every writer (save_weights, save_h5,
// write_idx) uses a temporary file of its own, removes it on every failure, removes those of
// dead writers of the same path, never touches anyone else's, survives concurrent saves from
// threads and processes, and creates files with the umask's mode.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/base/atomic_file.hpp"
#include "support/test_reliability_save_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using save_test::names_in;
using save_test::Save;
using save_test::Writer;
using tenet::testing::capture_io;
using tenet::testing::read_bytes;
using tenet::testing::TempDir;
using tenet::testing::write_bytes;

namespace {

// A process id that is certainly dead: a child that exited and was reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// A child that stays alive until `release` is called (it waits on a pipe).
struct LiveChild {
  LiveChild() {
    REQUIRE(::pipe(fds) == 0);
    pid = ::fork();
    if (pid == 0) {
      char c;
      ::close(fds[1]);
      while (::read(fds[0], &c, 1) > 0) {}
      ::_exit(0);
    }
    ::close(fds[0]);
  }
  ~LiveChild() {
    ::close(fds[1]);
    ::waitpid(pid, nullptr, 0);
  }
  int fds[2];
  pid_t pid;
};

// Temporary files, today's (".<name>~<hash>.<host>-<pid>-<random>.tmp") or older tenets'.
std::size_t temporaries_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& name : names_in(dir)) n += name.find(".tmp") != std::string::npos;
  return n;
}

// Sets TENET_TEST_FAIL_BEFORE_RENAME for its scope, even when a check throws.
struct FailBeforeRename {
  FailBeforeRename() { ::setenv("TENET_TEST_FAIL_BEFORE_RENAME", "1", 1); }
  ~FailBeforeRename() { ::unsetenv("TENET_TEST_FAIL_BEFORE_RENAME"); }
};

}  // namespace

TEST_SUITE("data") {

TEST_CASE("save: the next save removes the temporary files of dead writers of that path only") {
  TempDir d;
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string path = d.file(w.file), other = d.file("other-" + w.file);
    const pid_t dead = dead_pid();
    LiveChild live;
    const std::vector<unsigned char> junk(4096, 0x5a);
    const std::string dead1 = files::temp_file_name(path, dead, "00000001"),
                      dead2 = files::temp_file_name(path, dead, "00000002"),
                      alive = files::temp_file_name(path, live.pid, "00000003"),
                      mine = files::temp_file_name(path, ::getpid(), "00000004"),
                      elsewhere = files::temp_file_name(other, dead, "00000005"),
                      users = path + ".tmp";
    // Another run (an earlier boot, or another pid namespace) of this host: removed once
    // untouched since this machine booted; another host's: never.
    const std::string before_boot = files::temp_file_name(path, dead, "00000006", "0000beef"),
                      other_ns = files::temp_file_name(path, dead, "00000007", "0000beef");
    std::string other_host = files::temp_file_name(path, dead, "00000008", "0000beef");
    other_host.replace(other_host.find(".0000beef-") - 8, 8, "host0000");
    for (const auto& p : {dead1, dead2, alive, mine, elsewhere, users, before_boot, other_ns,
                          other_host})
      write_bytes(p, junk);
    for (const auto& p : {before_boot, other_host}) {
      const timespec long_ago[2] = {{1000000, 0}, {1000000, 0}};  // 1970
      REQUIRE(::utimensat(AT_FDCWD, p.c_str(), long_ago, 0) == 0);
    }
    CHECK(fs::path(dead1).filename().string().size() < 100);
    w.make(1)(path);
    CHECK(w.read(path) == 1);
    for (const auto& p : {dead1, dead2, before_boot}) {
      CAPTURE(p);
      CHECK_FALSE(fs::exists(p));
    }
    for (const auto& p : {alive, mine, elsewhere, users, other_ns, other_host}) {
      CAPTURE(p);
      CHECK(read_bytes(p) == junk);  // live writers', another path's, the user's, another host's
      fs::remove(p);
    }
  }
  CHECK(names_in(save_test::dir_of(d)).size() == 3);
}

// Children save one path in a loop and are killed at random moments. Each kill may leave the
// child's temporary file; the next child's first save removes it, so at most one is ever
// there, and the parent's save at the end leaves none.
TEST_CASE("save: temporary files of saves killed by SIGKILL are removed by the next save") {
  TempDir d;
  const std::string path = d.file("big.h5");
  const Tensor big = Tensor::uniform({1 << 20}, 3, -1.0, 1.0);  // 4 MiB: a long write
  std::mt19937 rng(77);
  int orphans = 0;
  for (int round = 0; round < 12; ++round) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ready[0]);
      try {
        for (int i = 0;; ++i) {
          data::save_h5(path, {{"x", big}});
          if (i == 0 && ::write(ready[1], "1", 1) != 1) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(ready[1]);
    char byte = 0;
    const bool saved = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30000)(rng)));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    REQUIRE(saved);
    const std::size_t temps = temporaries_in(save_test::dir_of(d));
    CHECK(temps <= 1);
    orphans += static_cast<int>(temps);
    CHECK(data::load_h5(path).at("x").shape() == Shape{1 << 20});
  }
  MESSAGE("kills that left a temporary file: " << orphans << " of 12 (each removed by the next save)");
  data::save_h5(path, {{"x", big}});
  CHECK(names_in(save_test::dir_of(d)) == std::vector<std::string>{"big.h5"});
}

TEST_CASE("save: two threads saving one path 50 times each never fail; one complete file results") {
  TempDir d;
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string path = d.file(w.file);
    const Save one = w.make(1), two = w.make(2);
    std::vector<std::string> failures[2];
    auto loop = [&](const Save& save, std::vector<std::string>& failed) {
      for (int i = 0; i < 50; ++i) {
        try {
          save(path);
        } catch (const std::exception& e) {
          failed.push_back(e.what());
        }
      }
    };
    std::thread a(loop, std::cref(one), std::ref(failures[0]));
    std::thread b(loop, std::cref(two), std::ref(failures[1]));
    a.join();
    b.join();
    CHECK(failures[0].empty());
    CHECK(failures[1].empty());
    for (const auto& f : failures)
      if (!f.empty()) MESSAGE(f.size() << " failures, the first: " << f[0]);
    const int version = w.read(path);
    CHECK((version == 1 || version == 2));
    CHECK(temporaries_in(save_test::dir_of(d)) == 0);
  }
}

// Each load forks a reading process (data/hdf5_guard.hpp). A fork while the saving thread was
// inside libhdf5 left the child blocked on libhdf5's lock, and the load was refused as stuck
// (3 of 200 before forks waited for the writers' lock).
TEST_CASE("save: loads while another thread saves are never refused") {
  TempDir d;
  const Tensor big = Tensor::uniform({1 << 20}, 3, -1.0, 1.0);
  data::save_h5(d.file("small.h5"), {{"x", Tensor::zeros({4})}});
  std::atomic<bool> stop{false};
  std::thread saver([&] {
    while (!stop) data::save_h5(d.file("big.h5"), {{"x", big}});
  });
  std::vector<std::string> failures;
  for (int i = 0; i < 200; ++i) {
    try {
      data::load_h5(d.file("small.h5"));
    } catch (const std::exception& e) {
      failures.push_back(e.what());
    }
  }
  stop = true;
  saver.join();
  CHECK(failures.empty());
  if (!failures.empty()) MESSAGE(failures.size() << " of 200 refused, the first: " << failures[0]);
}

TEST_CASE("save: two processes saving one path 30 times each never fail") {
  TempDir d;
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string path = d.file(w.file);
    const Save one = w.make(1), two = w.make(2);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      int failed = 0;
      for (int i = 0; i < 30; ++i) {
        try {
          two(path);
        } catch (...) {
          ++failed;
        }
      }
      ::_exit(failed);
    }
    int failed = 0;
    for (int i = 0; i < 30; ++i) {
      try {
        one(path);
      } catch (const std::exception& e) {
        if (failed++ == 0) MESSAGE(std::string(e.what()));
      }
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(failed == 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const int version = w.read(path);
    CHECK((version == 1 || version == 2));
    CHECK(temporaries_in(save_test::dir_of(d)) == 0);
  }
}

TEST_CASE("write_idx never touches a user's <path>.tmp") {
  TempDir d;
  const std::vector<unsigned char> mine = {'m', 'i', 'n', 'e'};
  for (const char* name : {"labels.idx", "labels.idx.gz"}) {
    CAPTURE(name);
    write_bytes(d.file(std::string(name) + ".tmp"), mine);
    data::write_idx(d.file(name), Tensor::full({5}, 3, DType::u8));
    CHECK(read_bytes(d.file(std::string(name) + ".tmp")) == mine);
    CHECK(data::read_idx(d.file(name)).to_vector<std::uint8_t>() == std::vector<std::uint8_t>(5, 3));
  }
  CHECK(names_in(save_test::dir_of(d)).size() == 4);
}

TEST_CASE("save: a failed save leaves no temporary file and the previous file intact") {
  TempDir d;
  const fs::path dir = save_test::dir_of(d);
  for (const Writer& w : save_test::writers()) w.make(1)(d.file(w.file));
  const auto listing = names_in(dir);
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    // A directory that does not exist.
    std::string what = capture_io([&] { w.make(2)(d.file("missing/" + w.file)); });
    CHECK(what.find(d.file("missing/" + w.file)) != std::string::npos);
    CHECK(what.find("missing does not exist") != std::string::npos);
    // A failure just before the rename (the test hook).
    {
      FailBeforeRename hook;
      what = capture_io([&] { w.make(2)(d.file(w.file)); });
    }
    CHECK(what.find("TENET_TEST_FAIL_BEFORE_RENAME") != std::string::npos);
    CHECK(names_in(dir) == listing);
    CHECK(w.read(d.file(w.file)) == 1);
  }
  // A full disk, simulated by a file size limit of 256 bytes in a child process: every write
  // fails with EFBIG. Exit status: one bit per writer that did not fail cleanly.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{256, 256};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int bad = 0, bit = 1;
    for (const Writer& w : save_test::writers()) {
      bool io_error = false;
      try {
        w.make(2)(d.file(w.file));
      } catch (const IOError&) {
        io_error = true;
      } catch (...) {
      }
      if (!io_error || names_in(dir) != listing) bad |= bit;
      bit <<= 1;
    }
    ::_exit(bad);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (const Writer& w : save_test::writers()) CHECK(w.read(d.file(w.file)) == 1);
  // A directory without write permission (root writes anyway: skipped then).
  if (::geteuid() != 0) {
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    for (const Writer& w : save_test::writers()) {
      const std::string msg = capture_io([&] { w.make(2)(d.file(w.file)); });
      CHECK(msg.find("not writable") != std::string::npos);
    }
    fs::permissions(dir, fs::perms::owner_all);
    CHECK(names_in(dir) == listing);
  }
}

TEST_CASE("save: a new file's mode is 0666 minus the umask, also when it replaces one") {
  TempDir d;
  const mode_t old = ::umask(027);
  for (const Writer& w : save_test::writers()) {
    CAPTURE(w.name);
    const std::string path = d.file(w.file);
    w.make(1)(path);
    CHECK((save_test::mode_at(path) & 0777) == 0640);
    ::chmod(path.c_str(), 0600);
    ::umask(022);
    w.make(2)(path);
    CHECK((save_test::mode_at(path) & 0777) == 0644);
    ::umask(027);
  }
  ::umask(old);
}

}  // TEST_SUITE
