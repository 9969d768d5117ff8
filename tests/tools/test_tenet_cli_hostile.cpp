// The tenet program given special files where it expects data: each is refused by name without
// being opened (a FIFO's open blocks until a writer comes; /dev/zero never ends).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/tenet_cli_util.hpp"
#include "support/test_util.hpp"

using namespace tenet::testing;

TEST_SUITE("tools") {

TEST_CASE("tenet explain/trace: --data naming a FIFO or a device is refused, never opened") {
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("tenet_cli_fifo_" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string command : {"explain", "trace"}) {
    CAPTURE(command);
    // `timeout` only keeps the old behaviour (blocked forever in open()) from stalling the suite.
    const Run r = run_command("cd " + seed_dir() + " && timeout 120 " +
                              std::string(TENET_BINARY_DIR) + "/tenet " + command +
                              " sound.keras --data " + fifo);
    CHECK(r.status == 1);
    CHECK(r.out.find("cannot read " + fifo + ": it is a FIFO (named pipe), not a regular file") !=
          std::string::npos);
  }
  std::filesystem::remove(fifo);
  const Run zero = run_tenet("explain sound.keras --data /dev/zero");
  CHECK(zero.status == 1);
  CHECK(zero.out.find("it is a character device, not a regular file") != std::string::npos);
}

TEST_CASE("tenet explain: an empty array name is bad usage, not a silent default") {
  // An unset shell variable (--x image=$NAME) used to fall back to the default array 'x'.
  for (const std::string args : {"--x image=", "--x =x", "--y ''"}) {
    CAPTURE(args);
    const Run r = run_tenet("explain sound.keras --data sound.h5 " + args);
    CHECK(r.status == 2);
    CHECK(r.out.find("has an empty name (an unset shell variable?)") != std::string::npos);
  }
  CHECK(run_tenet("explain sound.keras --data sound.h5 --x image=x --y y").status == 0);
}

TEST_CASE("tenet explain: --batch beyond int64 or below 1, and one input given twice, are bad usage") {
  for (const std::string batch : {"0", "-1", "99999999999999999999", "1e3"}) {
    CAPTURE(batch);
    const Run r = run_tenet("explain sound.keras --data sound.h5 --batch " + batch);
    CHECK(r.status == 2);  // old: 99999999999999999999 was taken, silently
    CHECK(r.out.find("'" + batch + "' is not a whole number of samples from 1 to "
                     "9223372036854775807") != std::string::npos);
    CHECK(r.out.find("0.000000 to 1797") == std::string::npos);  // old: "0 not in range 0 to 1.8e308"
  }
  const Run twice = run_tenet("explain sound.keras --data sound.h5 --x image=nothing --x image=x");
  CHECK(twice.status == 2);  // old: the second --x silently replaced the first
  CHECK(twice.out.find("input 'image' was already given 'nothing'") != std::string::npos);
}

TEST_CASE("tenet diagram: an output that is the model file itself (a link to it) is bad usage") {
  const tenet::testing::TempDir dir;
  const std::filesystem::path model = dir.path / "m.keras", link = dir.path / "m.svg";
  std::filesystem::copy_file(seed_dir() + "/sound.keras", model);
  std::filesystem::create_symlink(model, link);
  const std::string before = read_text(model.string());
  const Run r = run_tenet("diagram " + model.string() + " -o " + link.string());
  CHECK(r.status == 2);  // old: 0, and m.keras held the SVG
  CHECK(r.out.find("it is the model file " + model.string() + " itself") != std::string::npos);
  CHECK(read_text(model.string()) == before);
  std::filesystem::remove(link);
  std::filesystem::create_hard_link(model, dir.path / "m.dot");
  CHECK(run_tenet("diagram " + model.string() + " -o " + (dir.path / "m.dot").string()).status == 2);
  CHECK(read_text(model.string()) == before);
}

}  // TEST_SUITE
