// Suite "data": the tests of hdf5_read.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <tenet/core/ops/ops.hpp>
#include <tenet/data/hdf5_io.hpp>

#include "support/test_data_util.hpp"

using namespace tenet;
using namespace tenet::testing;

namespace {

// A file holding dataset "x" (float32 (4,)) plus whatever `extra` adds, written with HDF5.
template <class F>
void make_h5(const std::string& path, F&& extra) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hsize_t dims[1] = {4};
  hid_t space = H5Screate_simple(1, dims, nullptr);
  hid_t set = H5Dcreate2(f, "x", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  float v[4] = {1, 2, 3, 4};
  H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(set);
  H5Sclose(space);
  extra(f);
  H5Fclose(f);
}

void check_refused(const std::string& path, const std::string& summary_part) {
  auto e = capture_contract([&] { data::load_h5(path); });
  CHECK(e.code() == "data.format");
  CHECK(e.phase() == Phase::load);
  CHECK(std::string(e.what()).find(path) != std::string::npos);
  CHECK_MESSAGE(e.info().summary.find(summary_part) != std::string::npos, e.what());
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("HDF5: a file that is not HDF5, or is truncated, is data.format") {
  TempDir dir;
  const std::string text = dir.file("notes.h5");
  write_bytes(text, {'h', 'e', 'l', 'l', 'o', '\n'});
  check_refused(text, "not an HDF5 file");
  const std::string path = dir.file("cut.h5");
  data::save_h5(path, {{"x", Tensor::randn({1000}, 3)}});
  auto bytes = read_bytes(path);
  bytes.resize(bytes.size() / 2);
  write_bytes(path, bytes);
  auto e = capture_contract([&] { data::load_h5(path); });
  CHECK(e.code() == "data.format");
  CHECK(std::string(e.what()).find(path) != std::string::npos);
  const std::string missing = capture_io([&] { data::load_h5(dir.file("missing.h5")); });
  CHECK(missing.find("missing.h5") != std::string::npos);
}

TEST_CASE("HDF5: soft and external links are refused") {
  TempDir dir;
  const std::string soft = dir.file("soft.h5"), ext = dir.file("ext.h5");
  make_h5(soft, [](hid_t f) { H5Lcreate_soft("/x", f, "alias", H5P_DEFAULT, H5P_DEFAULT); });
  check_refused(soft, "'alias' is a soft link");
  make_h5(ext, [&](hid_t f) {
    H5Lcreate_external(soft.c_str(), "/x", f, "elsewhere", H5P_DEFAULT, H5P_DEFAULT);
  });
  check_refused(ext, "'elsewhere' is an external link");
}

TEST_CASE("HDF5: unsupported dtypes and external storage are refused") {
  TempDir dir;
  const std::string path = dir.file("strings.h5");
  make_h5(path, [](hid_t f) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 8);
    hsize_t dims[1] = {2};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    hid_t set = H5Dcreate2(f, "names", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcdefghijklmnop");
    H5Dclose(set);
    H5Sclose(space);
    H5Tclose(type);
  });
  check_refused(path, "'names' has an unsupported dtype");
  auto e = capture_contract([&] { data::load_h5(path); });
  CHECK(e.actual() == "string of 8 bytes");
  CHECK(data::load_h5(path, {"x"}).at("x").numel() == 4);  // the rest of the file is fine

  const std::string u16 = dir.file("u16.h5");
  make_h5(u16, [](hid_t f) {
    hsize_t dims[1] = {3};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    H5Dclose(H5Dcreate2(f, "u16", H5T_STD_U16LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  });
  e = capture_contract([&] { data::load_h5(u16, {"u16"}); });
  CHECK(e.actual() == "unsigned integer of 2 bytes");

  const std::string external = dir.file("external.h5");
  make_h5(external, [&](hid_t f) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, dir.file("raw.bin").c_str(), 0, 16);
    hsize_t dims[1] = {4};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    H5Dclose(H5Dcreate2(f, "outside", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Sclose(space);
    H5Pclose(dcpl);
  });
  check_refused(external, "'outside' keeps its data outside the file");
}

TEST_CASE("HDF5: a dataset declaring far more data than the file holds is refused") {
  TempDir dir;
  const std::string path = dir.file("huge.h5");
  make_h5(path, [](hid_t f) {
    // 2^40 float64 declared, chunked, no chunk ever written: the file stays a few KB.
    hsize_t dims[2] = {1ull << 30, 1024}, chunk[2] = {1024, 1024};
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    hid_t space = H5Screate_simple(2, dims, nullptr);
    H5Dclose(H5Dcreate2(f, "huge", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Sclose(space);
    H5Pclose(dcpl);
  });
  REQUIRE(std::filesystem::file_size(path) < 100000);
  check_refused(path, "'huge' declares more data than the file holds");
  auto e = capture_contract([&] { data::load_h5(path, {"huge"}); });
  CHECK(e.actual().find("(1073741824, 1024) float64") != std::string::npos);
}

TEST_CASE("HDF5: randomly corrupted files are read or refused, never crash") {
  // Seed 266 flips a contiguous layout to compact with no data: HDF5 1.10 itself would then
  // read past its buffers; load_h5 refuses it first (storage does not match the shape). The
  // contiguous file is what save_h5 wrote before it added checksums (h5py writes the same).
  TempDir dir;
  const std::string path = dir.file("f.h5");
  const Tensor x = Tensor::randn({50, 3}, 1), y = Tensor::arange(50, DType::i64);
  {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    for (const auto& [name, t] : {std::pair<const char*, Tensor>{"x", x}, {"y", y}}) {
      std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
      hid_t space = H5Screate_simple(t.rank(), dims.data(), nullptr);
      hid_t set = H5Dcreate2(f, name, t.dtype() == DType::f32 ? H5T_IEEE_F32LE : H5T_STD_I64LE,
                             space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(set, t.dtype() == DType::f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_INT64, H5S_ALL,
               H5S_ALL, H5P_DEFAULT, t.raw_data());
      H5Dclose(set);
      H5Sclose(space);
    }
    H5Fclose(f);
  }
  const auto contiguous = read_bytes(path);
  data::save_h5(path, {{"x", x}, {"y", y}});
  const auto checksummed = read_bytes(path);
  for (const auto* good : {&contiguous, &checksummed}) {
    int refused = 0;
    for (int trial = 0; trial < 300; ++trial) {
      std::mt19937 rng(trial == 0 ? 266 : trial);
      auto bytes = *good;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        const auto flip = static_cast<unsigned char>(1 + rng() % 255);
        bytes[rng() % bytes.size()] ^= flip;
      }
      write_bytes(path, bytes);
      const bool compact_case = trial == 0 && good == &contiguous;
      try {
        auto arrays = data::load_h5(path);
        CHECK(arrays.size() <= 2);
        CHECK(!compact_case);  // the compact-layout corruption must be refused
      } catch (const ContractError& e) {
        CHECK(e.code() == "data.format");
        if (compact_case)
          CHECK(e.info().summary.find("storage that does not match") != std::string::npos);
        ++refused;
      }
    }
    CHECK(refused > 20);
  }
}

TEST_CASE("HDF5: check_same_length names both arrays and lengths") {
  std::map<std::string, Tensor> arrays{{"x", Tensor::zeros({100, 2})}, {"y", Tensor::zeros({90})}};
  auto e = capture_contract([&] { data::check_same_length(arrays, "set.h5"); });
  CHECK(e.code() == "data.format");
  CHECK(e.cause().find("'x' holds 100 samples but 'y' holds 90") != std::string::npos);
  CHECK(e.cause().find("esizing") == std::string::npos);  // no image here: no resizing advice
  arrays["y"] = Tensor::zeros({100});
  data::check_same_length(arrays, "set.h5");
  CHECK(arrays.size() == 2);
}

}  // TEST_SUITE
