// Suite "data": the tests of idx.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <chrono>
#include <cstdlib>
#include <random>
#include <zlib.h>
#include <cstdint>
#include <string>
#include <vector>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <tenet/core/ops/ops.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/data/hdf5_io.hpp>
#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"
#include "support/test_data_util.hpp"
#include "support/test_reliability_save_util.hpp"
#include "support/run_contracts_util.hpp"
#include "support/gzip_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using namespace tenet::testing;
namespace fs = std::filesystem;
using save_test::mode_at;
using save_test::names_in;
using save_test::Save;
using save_test::Writer;
using tenet::testing::capture;
using tenet::testing::capture_io;
using tenet::testing::TempDir;
using tenet::testing::temp_file;
using tenet::testing::Bytes;
using tenet::testing::idx_payload;

namespace {

Tensor bytes_tensor(const Shape& shape, unsigned seed) {
  std::vector<std::uint8_t> v(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>((i * 131 + seed * 7) ^ (i >> 3));
  return Tensor::from_vector(v, shape);
}

void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb9");
  REQUIRE(f != nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("data.format: a truncated IDX file names the file and what was read") {
  const std::string path = temp_file("short.idx");
  data::write_idx(path, Tensor::zeros({10, 4, 4}, DType::u8));
  std::filesystem::resize_file(path, 40);
  auto e = capture("data.format", [&] { (void)data::read_idx(path); });
  std::remove(path.c_str());
  CHECK(e.phase() == Phase::load);
  CHECK(has(e.what(), "tenet_contracts_short.idx"));
  CHECK(has(e.what(), "160"));  // 10 * 4 * 4 bytes announced by the header
  CHECK(!e.fix().empty());
}

TEST_CASE("IDX round trip, plain and gzip") {
  TempDir dir;
  const Tensor x = bytes_tensor({3, 4, 5}, 1);
  for (const std::string name : {"x.idx", "x.idx.gz"}) {
    data::write_idx(dir.file(name), x);
    const Tensor back = data::read_idx(dir.file(name), 3);
    CHECK(back.dtype() == DType::u8);
    CHECK(back.shape() == Shape{3, 4, 5});
    CHECK(array_equal(back, x));
  }
  // The plain file is exactly header (4 + 3 * 4 bytes) plus data.
  const auto raw = read_bytes(dir.file("x.idx"));
  CHECK(raw.size() == 16 + 60);
  CHECK(raw[2] == 0x08);
  CHECK(raw[3] == 3);
  CHECK(raw[15] == 5);
  // Rank 1 with a zero-length axis is valid too.
  data::write_idx(dir.file("empty.idx"), Tensor::zeros({0}, DType::u8));
  CHECK(data::read_idx(dir.file("empty.idx")).shape() == Shape{0});
}

TEST_CASE("IDX: bad magic, wrong element type, wrong rank") {
  TempDir dir;
  const std::string bad = dir.file("bad_magic.idx");
  write_bytes(bad, {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7});
  auto e = capture_contract([&] { data::read_idx(bad); });
  check_format_error(e, bad);
  CHECK(e.actual() == "0x12 0x34 0x08 0x01");
  CHECK(e.expected().find("0x00 0x00 0x08") != std::string::npos);
  CHECK(e.cause().find("so it is not an IDX file") != std::string::npos);
  CHECK(e.fix().find("re-create or re-download it") != std::string::npos);

  const std::string f32 = dir.file("float.idx");
  auto bytes = idx_header({2}, 0x0D);
  bytes.resize(bytes.size() + 8, 0);
  write_bytes(f32, bytes);
  e = capture_contract([&] { data::read_idx(f32); });
  check_format_error(e, f32);
  CHECK(e.actual().find("float32") != std::string::npos);
  CHECK(e.expected().find("0x08") != std::string::npos);
  CHECK(e.cause() == "tenet reads IDX files of unsigned bytes only; this one holds float32");
  CHECK(e.fix().find("convert the file to unsigned bytes") != std::string::npos);

  // A labels file given where images (rank 3) are expected: probably swapped files.
  const std::string labels = dir.file("labels.idx");
  data::write_idx(labels, bytes_tensor({6}, 2));
  e = capture_contract([&] { data::read_idx(labels, 3); });
  check_format_error(e, labels);
  CHECK(e.expected() == "rank 3");
  CHECK(e.cause().find("swapped") != std::string::npos);
  CHECK(e.fix() == "read the images file (rank 3) as images and the labels file (rank 1) as labels");

  const std::string empty = dir.file("empty.idx");
  write_bytes(empty, {});
  e = capture_contract([&] { data::read_idx(empty); });
  check_format_error(e, empty);
  CHECK(e.actual().find("0 bytes") != std::string::npos);
}

TEST_CASE("IDX: truncated and extra bytes are refused with counts") {
  TempDir dir;
  // Plain: header says 10 bytes, the file holds 5.
  const std::string plain = dir.file("short.idx");
  auto bytes = idx_header({10});
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5});
  write_bytes(plain, bytes);
  auto e = capture_contract([&] { data::read_idx(plain); });
  check_format_error(e, plain);
  CHECK(e.actual().find("(10,)") != std::string::npos);
  CHECK(e.expected().find("5 bytes") != std::string::npos);

  // Gzip: a valid stream cut in half; the file ends inside the compressed data.
  const std::string gz = dir.file("cut.idx.gz");
  data::write_idx(gz, Tensor::uniform({20000}, 3, 0, 255).astype(DType::u8));
  auto z = read_bytes(gz);
  z.resize(z.size() / 2);
  write_bytes(gz, z);
  e = capture_contract([&] { data::read_idx(gz); });
  check_format_error(e, gz);
  CHECK(e.info().summary.find("truncated stream in member 1") != std::string::npos);
  CHECK(e.actual().find("the file ends at byte " + std::to_string(z.size())) != std::string::npos);

  // Extra bytes after the declared data.
  const std::string extra = dir.file("extra.idx");
  bytes = idx_header({5});
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5, 6, 7, 8});
  write_bytes(extra, bytes);
  e = capture_contract([&] { data::read_idx(extra); });
  check_format_error(e, extra);
  CHECK(e.actual() == "3 bytes more after the data");
}

TEST_CASE("IDX: a header claiming 2^31 images in a 100-byte file is refused before allocating") {
  TempDir dir;
  auto bytes = idx_header({0x80000000u, 28, 28});
  bytes.resize(100, 0);
  for (const std::string name : {"huge.idx", "huge.idx.gz"}) {
    const std::string path = dir.file(name);
    if (name.ends_with(".gz")) write_gz(path, bytes);  // tiny even at deflate's maximum ratio
    else write_bytes(path, bytes);
    const auto start = std::chrono::steady_clock::now();
    auto e = capture_contract([&] { data::read_idx(path); });
    check_format_error(e, path);
    CHECK(e.actual().find("(2147483648, 28, 28)") != std::string::npos);
    CHECK(e.info().summary.find("more data than the file can hold") != std::string::npos);
    // Refused from the header alone: no 1.6 TB allocation, no reading.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
  }
}

TEST_CASE("IDX: randomly corrupted files are read or refused with data.format, never crash") {
  TempDir dir;
  std::mt19937 rng(5);
  for (const std::string name : {"f.idx", "f.idx.gz"}) {
    const std::string path = dir.file(name);
    data::write_idx(path, bytes_tensor({7, 5, 3}, 4));
    const auto good = read_bytes(path);
    int refused = 0;
    for (int trial = 0; trial < 150; ++trial) {
      auto bytes = good;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] ^= static_cast<unsigned char>(1 + rng() % 255);
      if (trial % 5 == 0) bytes.resize(rng() % bytes.size());
      write_bytes(path, bytes);
      try {
        Tensor t = data::read_idx(path);
        CHECK(t.nbytes() <= good.size() * 1032);
      } catch (const ContractError& e) {
        CHECK(e.code() == "data.format");
        ++refused;
      }
    }
    CHECK(refused > 50);
  }
}

TEST_CASE("IDX: images and labels of different lengths") {
  TempDir dir;
  const std::string images = dir.file("img.idx"), labels = dir.file("lab.idx");
  data::write_idx(images, bytes_tensor({4, 2, 2}, 1));
  data::write_idx(labels, bytes_tensor({3}, 2));
  auto e = capture_contract([&] { data::read_idx_pair(images, labels, 3); });
  check_format_error(e, labels);
  CHECK(e.cause().find(images + " holds 4 images") != std::string::npos);
  CHECK(e.cause().find("holds 3 labels") != std::string::npos);
  data::write_idx(labels, bytes_tensor({4}, 2));
  auto pair = data::read_idx_pair(images, labels, 3);
  CHECK(pair.labels.shape() == Shape{4});
}

TEST_CASE("IDX: missing file is an IOError; writing needs uint8") {
  TempDir dir;
  const std::string msg = capture_io([&] { data::read_idx(dir.file("nope.idx")); });
  CHECK(msg.find("nope.idx") != std::string::npos);
  CHECK(msg.find("no such file") != std::string::npos);
  auto e = capture_contract([&] { data::write_idx(dir.file("f.idx"), Tensor::zeros({3})); });
  CHECK(e.code() == "input.dtype");
  CHECK(e.actual() == "float32");
}

TEST_CASE("plain IDX: bytes after the declared data are refused (not a gzip file)") {
  TempDir dir;
  Bytes b = idx_payload(10);
  b.push_back(0);
  const std::string path = dir.file("extra.idx");
  write_bytes(path, b);
  const ContractError e = capture_contract([&] { data::read_idx(path); });
  check_format_error(e, path);
  CHECK(e.info().summary.find("bytes after the data") != std::string::npos);
  CHECK(e.actual().find("1 byte more") != std::string::npos);
}

TEST_CASE("write_idx refuses an empty Tensor with options.invalid") {
  TempDir d;
  const ContractError e = capture([&] { data::write_idx(d.file("x.idx"), Tensor()); });
  CHECK(e.code() == "options.invalid");
  CHECK(std::string(e.what()).find("write_idx's values") != std::string::npos);
}

TEST_CASE("hostile api: write_idx of an axis longer than 32 bits is options.invalid, nothing written") {
  // The header stores each size in 32 bits: 2^32 raised InternalError ("a bug in tenet").
  TempDir d;
  const std::string path = d.file("wide.idx");
  for (const Shape& shape : {Shape{0, std::int64_t{1} << 32}, Shape{std::int64_t{1} << 40, 0, 3}}) {
    CAPTURE(shape.str());
    const Tensor t = Tensor::zeros(shape, DType::u8);  // empty: no memory needed
    const ContractError e = capture("options.invalid", [&] { data::write_idx(path, t); });
    const int axis = shape[0] > 0xffffffffLL ? 0 : 1;
    CHECK(e.site().name == "write_idx");
    CHECK(e.actual() == shape.str());
    CHECK(e.expected() == "every axis of at most 4294967295 elements");
    CHECK(has(e.info().summary, "axis " + std::to_string(axis) + " of " + shape.str() + " has " +
                                    std::to_string(shape[axis]) + " elements"));
    CHECK(has(e.cause(), "stores each dimension as a 32-bit unsigned size"));
    CHECK(has(e.fix(), "data::save_h5"));
    CHECK_FALSE(fs::exists(path));
  }
  // 2^32 - 1 still fits the header.
  data::write_idx(path, Tensor::zeros({0, 0xffffffffLL}, DType::u8));
  CHECK(data::read_idx(path).shape() == Shape{0, 0xffffffffLL});
}

}  // TEST_SUITE
