// Suite "data": the tests of fashion_mnist.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <chrono>
#include <cstdlib>
#include <random>
#include <zlib.h>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <tenet/core/ops/ops.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/data/hdf5_io.hpp>

#include "support/test_data_util.hpp"

using namespace tenet;
using namespace tenet::testing;

namespace {

// Computed once with Python from the Debian package dataset-fashion-mnist (files dated
// 2020-06-05): sum(gzip.open(f).read()[16:]) for the images files.
constexpr std::int64_t kTrainPixelSum = 3431114169;
constexpr std::int64_t kTestPixelSum = 573469082;

}  // namespace

TEST_SUITE("data") {

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

TEST_CASE("load_fashion_mnist: a flipped CRC-32 byte in one of the four files is refused") {
  // The old reader refused this file without naming the check that failed.
  TempDir dir;
  const std::pair<const char*, Shape> files[] = {{"train-images-idx3-ubyte.gz", {60000, 28, 28}},
      {"train-labels-idx1-ubyte.gz", {60000}}, {"t10k-images-idx3-ubyte.gz", {10000, 28, 28}},
      {"t10k-labels-idx1-ubyte.gz", {10000}}};
  for (const auto& [name, shape] : files) data::write_idx(dir.file(name), Tensor::zeros(shape, DType::u8));
  const std::string bad = dir.file("t10k-images-idx3-ubyte.gz");
  auto z = read_bytes(bad);
  z[z.size() - 5] ^= 0x80;  // the CRC-32's high byte
  write_bytes(bad, z);
  const ContractError e = capture_contract([&] { data::load_fashion_mnist(dir.file("")); });
  CHECK(e.code() == "data.format");
  CHECK(std::string(e.what()).find("t10k-images-idx3-ubyte.gz: gzip check failed: CRC-32 mismatch "
                                   "in member 1") != std::string::npos);
  CHECK(e.actual().find("7840016 decompressed bytes") != std::string::npos);
}

}  // TEST_SUITE
