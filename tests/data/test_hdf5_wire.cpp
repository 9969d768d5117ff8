// Suite "data": the tests of hdf5_wire.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "data/hdf5_guard.hpp"
#include "support/test_reliability_util.hpp"
#include "support/file_fuzz_util.hpp"

using namespace tenet;
namespace fs = std::filesystem;
using tenet::testing::capture;
using tenet::testing::TempDir;

TEST_SUITE("data") {

// ---------------------------------------------------------------- the reading process's result

// Every HDF5 read runs in a child process that sends its result back as bytes
// (data/hdf5_guard.hpp): arrays far larger than a pipe's buffer must arrive bit for bit.
TEST_CASE("HDF5: arrays larger than a pipe come back from the reading process bit for bit") {
  TempDir dir;
  Tensor big = Tensor::uniform({700, 1000}, 5, -3.0, 3.0).astype(DType::f64);  // 5.3 MiB
  Tensor labels = Tensor::empty({70001}, DType::i64);
  for (std::int64_t i = 0; i < labels.numel(); ++i) labels.data<std::int64_t>()[i] = i * 7919 - 3;
  Tensor pixels = Tensor::empty({3, 5, 7}, DType::u8);
  for (std::int64_t i = 0; i < pixels.numel(); ++i) pixels.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 37);
  data::save_h5(dir.file("big.h5"), {{"big", big}, {"g/labels", labels}, {"pixels", pixels},
                                     {"empty", Tensor::empty({0, 4})}});
  const auto got = data::load_h5(dir.file("big.h5"));
  REQUIRE(got.size() == 4);
  for (const auto& [name, want] : std::vector<std::pair<std::string, Tensor>>{
           {"big", big}, {"g/labels", labels}, {"pixels", pixels}, {"empty", Tensor::empty({0, 4})}}) {
    CAPTURE(name);
    const Tensor& t = got.at(name);
    REQUIRE(t.shape() == want.shape());
    REQUIRE(t.dtype() == want.dtype());
    CHECK(std::memcmp(t.raw_data(), want.raw_data(), want.nbytes()) == 0);
  }
  const auto only = data::load_h5(dir.file("big.h5"), {"pixels"});
  CHECK(only.size() == 1);
  CHECK(only.at("pixels").shape() == Shape{3, 5, 7});
}

// What the child raises comes back whole: the same error, field for field, as the one the
// reader raises when it runs in this process (TENET_HDF5_IN_PROCESS=1).
TEST_CASE("HDF5: an error raised while reading comes back from the reading process whole") {
  TempDir dir;
  data::save_h5(dir.file("xy.h5"), {{"x", Tensor::zeros({2, 3})}});
  auto raise = [&](bool in_process) -> ContractInfo {
    if (in_process) REQUIRE(::setenv("TENET_HDF5_IN_PROCESS", "1", 1) == 0);
    struct Restore {
      ~Restore() { ::unsetenv("TENET_HDF5_IN_PROCESS"); }
    } restore;
    try {
      data::load_h5(dir.file("xy.h5"), {"y"});
    } catch (const ContractError& e) {
      return e.info();
    }
    FAIL("no error");
    return {};
  };
  const ContractInfo here = raise(true), child = raise(false);
  CHECK(child.code == "data.format");
  CHECK(child.phase == Phase::load);
  CHECK(child.where.name == dir.file("xy.h5"));
  CHECK(child.where.type == "HDF5 file");
  CHECK(child.expected == "a dataset 'y'");
  CHECK(child.actual == "the file holds: x");
  CHECK(child.fix == "load one of: x");
  CHECK(render(child) == render(here));
  CHECK(child.where.file == here.where.file);
  CHECK(child.where.line == here.where.line);
  CHECK(child.marked == here.marked);
  CHECK(child.provenance == here.provenance);
  CHECK_THROWS_AS(data::load_h5(dir.file("missing.h5")), IOError);
}

// The well-formed result of "HDF5: a malformed result ..." reads back whole.
void check_wire_round_trip(const data::detail::WireOut& out) {
  using data::detail::WireIn;
  WireIn in(out.bytes, "f.h5", "HDF5 data set");
  CHECK(in.u64() == 2);
  CHECK(in.str() == "name");
  const Tensor t = in.tensor();
  CHECK(t.shape() == Shape{4, 5});
  CHECK(t.data<float>()[19] == Tensor::uniform({4, 5}, 1).data<float>()[19]);
  const auto ts = in.tensors();
  REQUIRE(ts.size() == 2);
  CHECK(ts[0].dtype() == DType::i32);
  CHECK(ts[1].rank() == 0);
  CHECK(in.f64() == 0.25);
  CHECK(in.strs() == std::vector<std::string>{"a", "", "ccc"});
}

// The parent checks what the child sent before using it (a child whose memory libhdf5
// corrupted could send anything): bytes that do not parse refuse the file.
TEST_CASE("HDF5: a malformed result from the reading process refuses the file") {
  using data::detail::WireIn;
  using data::detail::WireOut;
  WireOut out;
  out.u64(2);
  out.str("name");
  out.tensor(Tensor::uniform({4, 5}, 1));
  out.tensors({Tensor::empty({3}, DType::i32), Tensor::zeros(Shape(), DType::i64)});
  out.f64(0.25);
  out.strs({"a", "", "ccc"});
  check_wire_round_trip(out);
  auto refused = [](std::string bytes, auto&& read) {
    WireIn in(std::move(bytes), "f.h5", "HDF5 data set");
    try {
      read(in);
    } catch (const ContractError& e) {
      CHECK(std::string(e.what()).find("sent back a malformed result") != std::string::npos);
      return e.code();
    }
    return std::string("accepted");
  };
  // Cut short at every byte: never read past the end.
  for (std::size_t cut = 0; cut < out.bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK(refused(out.bytes.substr(0, cut), [](WireIn& in) {
            in.u64(), in.str(), in.tensor(), in.tensors(), in.f64(), in.strs();
          }) == "data.format");
  }
  WireOut huge;  // a count or a shape far beyond the bytes sent: refused before allocating
  huge.u64(std::uint64_t{1} << 60);
  CHECK(refused(huge.bytes, [](WireIn& in) { in.strs(); }) == "data.format");
  CHECK(refused(huge.bytes, [](WireIn& in) { in.str(); }) == "data.format");
  WireOut shape;
  shape.u64(0), shape.u64(2), shape.u64(1u << 31), shape.u64(1u << 31);
  CHECK(refused(shape.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut dtype;
  dtype.u64(99), dtype.u64(0);
  CHECK(refused(dtype.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut rank;  // tenet reads arrays of at most 8 axes
  rank.u64(0), rank.u64(9);
  CHECK(refused(rank.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut zero;  // an empty axis must not switch off the check of the others
  zero.u64(0), zero.u64(2), zero.u64(0), zero.u64(std::uint64_t{1} << 63);
  CHECK(refused(zero.bytes, [](WireIn& in) { in.tensor(); }) == "data.format");
  WireOut empty;  // (0, 5) float32: a valid empty array, no data bytes
  empty.u64(0), empty.u64(2), empty.u64(0), empty.u64(5);
  CHECK(refused(empty.bytes, [](WireIn& in) {
          CHECK(in.tensor().shape() == Shape{0, 5});
          in.finish();
        }) == "accepted");
  WireOut extra;  // bytes left over after the last item
  extra.u64(1), extra.u64(2);
  CHECK(refused(extra.bytes, [](WireIn& in) { in.u64(), in.finish(); }) == "data.format");
}

}  // TEST_SUITE
