// What a .keras archive may make tenet unpack: weights bounded by the model's parameters,
// none at all refused, and the temporary files of a killed load removed by the next one.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/base/atomic_file.hpp"
#include "data/keras_archive.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using testing::capture;
using testing::has;
namespace kd = tenet::data::keras_detail;
namespace fs = std::filesystem;

namespace {

const std::string kSound = std::string(TENET_SOURCE_DIR) + "/tests/fixtures/seed/sound.keras";

// Sets TMPDIR for its lifetime.
struct TmpDirEnv {
  std::string old;
  bool had;
  explicit TmpDirEnv(const std::string& dir) : had(std::getenv("TMPDIR") != nullptr) {
    if (had) old = std::getenv("TMPDIR");
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TmpDirEnv() { had ? (void)::setenv("TMPDIR", old.c_str(), 1) : (void)::unsetenv("TMPDIR"); }
};

// A directory as a TempDir of process `pid` names it, with a file inside; `tag` is
// owner_tag() with its pid replaced.
fs::path planted(const fs::path& base, const std::string& tag_prefix, long pid) {
  const fs::path dir = base / ("tenet-keras-" + tag_prefix + std::to_string(pid) + "-abc123");
  fs::create_directory(dir);
  std::ofstream(dir / "model.weights.h5") << "weights";
  return dir;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras archive: weights larger than the model's parameters need are refused unpacked") {
  const Model m = keras::load_model(kSound);
  const std::int64_t params = m.count_params();
  const std::size_t variables = m.weights().size();
  CHECK(kd::weights_limit(params, variables) ==
        static_cast<std::uint64_t>(params) * 32 + (64u << 20) + variables * (64u << 10));
  kd::ArchiveReader sound(kSound, false, "sound.keras");
  const testing::TempDir dir;
  const std::string bomb = (dir.path / "bomb.keras").string();
  // 80 MiB of zeros deflate to about 80 KiB: more than 235 parameters can need.
  std::ofstream(bomb, std::ios::binary)
      << kd::make_archive(sound.config(), sound.metadata(), std::string(80u << 20, '\0'), bomb);
  const TmpDirEnv env(dir.path.string());
  auto e = capture([&] { (void)keras::load_model(bomb); });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "model.weights.h5 declares more data than tenet reads"));
  CHECK(has(e, "the model of config.json has " + std::to_string(params) + " parameters in " +
                   std::to_string(variables) + " variables"));
  std::size_t left = 0;  // nothing was unpacked
  for (const auto& entry : fs::directory_iterator(dir.path)) left += entry.is_directory();
  CHECK(left == 0);
}

TEST_CASE("keras archive: an archive without model.weights.h5 is refused, as Keras refuses it") {
  auto e = capture([] {
    (void)keras::load_model(std::string(TENET_SOURCE_DIR) + "/tests/fixtures/cli/no_weights.keras");
  });
  CHECK(e.code() == "data.format");
  CHECK(has(e, "the archive has no model.weights.h5"));
}

TEST_CASE("keras archive: a temporary directory left by a killed load is removed by the next") {
  const testing::TempDir dir;
  const std::string tag = files::owner_tag();  // "<host>.<run>-<pid>-"
  const std::string prefix = tag.substr(0, tag.rfind('-', tag.size() - 2) + 1);
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const pid_t alive = ::fork();
  if (alive == 0) {
    ::pause();
    ::_exit(0);
  }
  const fs::path gone = planted(dir.path, prefix, dead);
  const fs::path running = planted(dir.path, prefix, alive);
  const fs::path other_host = planted(dir.path, "0badc0de." + prefix.substr(prefix.find('.') + 1), dead);
  {
    const TmpDirEnv env(dir.path.string());
    kd::TempDir temp;  // what every .keras load makes
    CHECK_FALSE(fs::exists(temp.file("x")));  // a name inside, made by the caller
  }
  ::kill(alive, SIGKILL);
  ::waitpid(alive, nullptr, 0);
  CHECK_FALSE(fs::exists(gone));         // its process is gone: removed with its file
  CHECK(fs::exists(running / "model.weights.h5"));  // a running load's: kept
  CHECK(fs::exists(other_host));         // another machine's (a shared TMPDIR): kept
  std::size_t own = 0;                   // and the TempDir removed its own directory
  for (const auto& entry : fs::directory_iterator(dir.path))
    own += entry.path().filename().string().find(tag) != std::string::npos;
  CHECK(own == 0);
}

}  // TEST_SUITE
