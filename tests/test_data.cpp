// Suite "data": IDX reading/writing with every corruption case, and Fashion-MNIST.
// HDF5 is in test_data_h5.cpp, Dataset and preprocessing in test_data_dataset.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include <zlib.h>

#include <tenet/core/ops/ops.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include "test_data_util.hpp"

using namespace tenet;
using namespace tenet::testing;

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

  const std::string f32 = dir.file("float.idx");
  auto bytes = idx_header({2}, 0x0D);
  bytes.resize(bytes.size() + 8, 0);
  write_bytes(f32, bytes);
  e = capture_contract([&] { data::read_idx(f32); });
  check_format_error(e, f32);
  CHECK(e.actual().find("float32") != std::string::npos);
  CHECK(e.expected().find("0x08") != std::string::npos);

  // A labels file given where images (rank 3) are expected: probably swapped files.
  const std::string labels = dir.file("labels.idx");
  data::write_idx(labels, bytes_tensor({6}, 2));
  e = capture_contract([&] { data::read_idx(labels, 3); });
  check_format_error(e, labels);
  CHECK(e.expected() == "rank 3");
  CHECK(e.cause().find("swapped") != std::string::npos);

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

// Computed once with Python from the Debian package dataset-fashion-mnist (files dated
// 2020-06-05): sum(gzip.open(f).read()[16:]) for the images files.
constexpr std::int64_t kTrainPixelSum = 3431114169;
constexpr std::int64_t kTestPixelSum = 573469082;

TEST_CASE("Fashion-MNIST from the Debian package: shapes, labels, checksum, speed") {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") &&
      !std::getenv("TENET_FASHION_MNIST_DIR")) {
    MESSAGE("dataset-fashion-mnist not installed: skipped");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  auto [train, test] = data::load_fashion_mnist();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("load_fashion_mnist took " << seconds << " s");
  CHECK(seconds < 1.5);
  CHECK(train.images.shape() == Shape{60000, 28, 28});
  CHECK(train.labels.shape() == Shape{60000});
  CHECK(test.images.shape() == Shape{10000, 28, 28});
  CHECK(test.labels.shape() == Shape{10000});
  CHECK(train.images.dtype() == DType::u8);
  CHECK(train.labels.dtype() == DType::u8);
  std::int64_t sum = 0;
  for (std::uint8_t v : train.images.to_vector<std::uint8_t>()) sum += v;
  CHECK(sum == kTrainPixelSum);
  sum = 0;
  for (std::uint8_t v : test.images.to_vector<std::uint8_t>()) sum += v;
  CHECK(sum == kTestPixelSum);
  std::vector<int> count(10, 0), test_count(10, 0);
  int out_of_range = 0;
  for (std::uint8_t y : train.labels.to_vector<std::uint8_t>()) y <= 9 ? ++count[y] : ++out_of_range;
  for (std::uint8_t y : test.labels.to_vector<std::uint8_t>()) y <= 9 ? ++test_count[y] : ++out_of_range;
  CHECK(out_of_range == 0);
  CHECK(count == std::vector<int>(10, 6000));
  CHECK(test_count == std::vector<int>(10, 1000));
  CHECK(train.labels.at({0}) == 9);  // the first training image is an ankle boot
  CHECK(data::fashion_mnist_class_names()[9] == "Ankle boot");
  CHECK(data::fashion_mnist_class_names()[0] == "T-shirt/top");
}

TEST_CASE("Fashion-MNIST: a missing directory names the package and the variable") {
  TempDir dir;
  std::string msg = capture_io([&] { data::load_fashion_mnist(dir.file("none")); });
  CHECK(msg.find("train-images-idx3-ubyte.gz") != std::string::npos);
  CHECK(msg.find("apt-get install dataset-fashion-mnist") != std::string::npos);
  ::setenv("TENET_FASHION_MNIST_DIR", dir.file("elsewhere").c_str(), 1);
  msg = capture_io([&] { data::load_fashion_mnist(); });
  ::unsetenv("TENET_FASHION_MNIST_DIR");
  CHECK(msg.find("elsewhere") != std::string::npos);
  CHECK(msg.find("TENET_FASHION_MNIST_DIR") != std::string::npos);
}

TEST_CASE("Fashion-MNIST: the override directory is read and checked") {
  TempDir dir;
  data::write_idx(dir.file("train-images-idx3-ubyte.gz"), Tensor::zeros({60000, 28, 28}, DType::u8));
  data::write_idx(dir.file("train-labels-idx1-ubyte.gz"), Tensor::zeros({60000}, DType::u8));
  data::write_idx(dir.file("t10k-images-idx3-ubyte.gz"), Tensor::zeros({10000, 28, 28}, DType::u8));
  data::write_idx(dir.file("t10k-labels-idx1-ubyte.gz"), Tensor::full({10000}, 12, DType::u8));
  auto e = capture_contract([&] { data::load_fashion_mnist(dir.file("")); });
  check_format_error(e, "t10k-labels-idx1-ubyte.gz");
  CHECK(e.actual() == "label 12 at sample 0");
}

}  // TEST_SUITE
