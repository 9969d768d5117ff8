// Suite "core/contracts": core/contracts/format_checks.cpp: data.format's one frame (the
// default fix) and what an IDX file can hold.
#include <doctest/doctest.h>

#include <fstream>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("input.rank: write_idx writes arrays of rank 1 to 255") {
  tenet::testing::TempDir dir;
  auto e = capture("input.rank", [&] {
    data::write_idx(dir.file("x.idx"), Tensor::zeros(Shape{}, DType::u8));
  });
  CHECK(e.info().summary == "an IDX file holds an array of rank 1 to 255");
  CHECK(e.expected() == "rank 1..255");
  CHECK(e.actual() == "()");
  CHECK(has(e.fix(), "expand_dims(values, 0)"));
}

TEST_CASE("data.format: the file and its kind lead the summary; the default fix re-creates it") {
  tenet::testing::TempDir dir;
  const std::string path = dir.file("short.idx");
  std::ofstream(path, std::ios::binary) << std::string("\0\0", 2);
  auto e = capture("data.format", [&] { (void)data::read_idx(path); });
  CHECK(e.phase() == Phase::load);
  CHECK(e.site().name == path);
  CHECK(has(e.info().summary, path + ": "));
  CHECK(has(e.fix(), "re-create or re-download it"));
}

}  // TEST_SUITE
