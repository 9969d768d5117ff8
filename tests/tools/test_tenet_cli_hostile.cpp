// The tenet program given special files where it expects data: each is refused by name without
// being opened (a FIFO's open blocks until a writer comes; /dev/zero never ends).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/tenet_cli_util.hpp"

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

}  // TEST_SUITE
