// Suite "data", integrity part: weights files carry HDF5 Fletcher-32 checksums, and a
// changed byte of a dataset's data is refused with data.format naming the dataset; values no
// training produces (NaN weights, an impossible optimizer state) are refused too. Every
// refusal leaves the model and its optimizer exactly as they were.
#include <doctest/doctest.h>

#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include <hdf5/serial/hdf5.h>
#endif

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>

#include <tenet/tenet.hpp>

#include "support/checkpoint_integrity_util.hpp"

using namespace tenet;
using namespace ckpt;

namespace {

// Overwrites dataset `name` of the file with `values` through HDF5 (checksums stay valid).
template <class T>
void rewrite(const std::string& path, const char* name, std::vector<T> values, hid_t mem) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
  REQUIRE(set >= 0);
  CHECK(H5Dwrite(set, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Dclose(set);
  H5Fclose(f);
}

// Dataset `name` read as float32.
std::vector<float> read_floats(const std::string& path, const char* name, std::size_t n) {
  std::vector<float> v(n);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
  CHECK(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Dclose(set);
  H5Fclose(f);
  return v;
}

void flip_bit(const std::string& path, std::uint64_t byte, int bit) {
  std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
  io.seekg(static_cast<std::streamoff>(byte));
  char c = 0;
  io.get(c);
  c = static_cast<char>(c ^ (1 << bit));
  io.seekp(static_cast<std::streamoff>(byte));
  io.put(c);
}

// load_weights(path) into `m` must be refused with data.format whose summary holds `summary`
// and whose actual value holds `actual`; the model and its optimizer must not change.
ContractError refused(Model& m, const std::string& path, const std::string& summary,
                      const std::string& actual = "") {
  const Snapshot before(m);
  ContractError e = capture([&] { m.load_weights(path, {.skip_mismatch = true}); });
  CHECK(e.code() == "data.format");
  CHECK(e.phase() == Phase::load);
  CHECK(std::string(e.what()).find(path) != std::string::npos);
  CHECK_MESSAGE(e.info().summary.find(summary) != std::string::npos, e.what());
  CHECK_MESSAGE(e.actual().find(actual) != std::string::npos, e.what());
  CHECK(before.same_as(m));
  return e;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("integrity: weight datasets are chunked with a Fletcher-32 checksum, scalars compact") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  trained_mlp(1).save_weights(path);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  for (const char* name : {"layers/dense/vars/0", "layers/dense_1/vars/1", "optimizer/vars/2",
                           "optimizer/vars/0", "optimizer/vars/1"}) {
    CAPTURE(std::string(name));
    hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(set);
    // The iteration count and the learning rate: stored in their object headers (checksummed).
    const bool scalar = std::string(name) == "optimizer/vars/0" || std::string(name) == "optimizer/vars/1";
    CHECK(H5Pget_layout(dcpl) == (scalar ? H5D_COMPACT : H5D_CHUNKED));
    CHECK(H5Pget_nfilters(dcpl) == (scalar ? 0 : 1));
    if (!scalar) {
      unsigned flags = 0;
      std::size_t nelem = 0;
      CHECK(H5Pget_filter2(dcpl, 0, &flags, &nelem, nullptr, 0, nullptr, nullptr) ==
            H5Z_FILTER_FLETCHER32);
    }
    H5Pclose(dcpl);
    H5Dclose(set);
  }
  H5Fclose(f);
}

TEST_CASE("integrity: one flipped bit in a dataset's data is 'checksum failed' naming it") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  trained_mlp(1).save_weights(path);
  Model m = trained_mlp(2);
  bool chunked = false;
  for (const char* name : {"layers/dense/vars/0", "layers/dense_1/vars/1", "optimizer/vars/3"}) {
    CAPTURE(std::string(name));
    trained_mlp(1).save_weights(path);
    flip_bit(path, data_offset(path, name, &chunked) + 5, 2);
    CHECK(chunked);
    const ContractError e =
        refused(m, path, "checksum failed: dataset '" + std::string(name) + "' is corrupt",
                "Fletcher32");
    CHECK(e.expected().find("Fletcher-32 checksum") != std::string::npos);
  }
}

TEST_CASE("integrity: a flipped bit in a dataset's description (its object header) is refused") {
  // HDF5 1.10's object headers ("OHDR") end with a checksum: a flipped bit in a datatype or
  // layout message loaded as other values (doubled, negated, all 0) before.
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  trained_mlp(1).save_weights(path);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  CHECK(bytes[8] >= 2);  // superblock version 2 or 3 (0 before)
  std::vector<std::size_t> headers;
  for (auto at = bytes.find("OHDR"); at != std::string::npos; at = bytes.find("OHDR", at + 4)) headers.push_back(at);
  REQUIRE(headers.size() >= 10);  // the root, groups and every dataset
  Model m = trained_mlp(2);
  for (std::size_t i = 0; i < headers.size(); i += 3) {
    CAPTURE(headers[i]);
    trained_mlp(1).save_weights(path);
    flip_bit(path, headers[i] + 16, 1);  // inside the header's messages
    const Snapshot before(m);
    CHECK(capture([&] { m.load_weights(path, {.skip_mismatch = true}); }).code() == "data.format");
    CHECK(before.same_as(m));
  }
}

TEST_CASE("integrity: without checksums (Keras's files), a changed bit loads unless it makes a NaN") {
  // A contiguous dataset, as Keras (h5py) writes it: no checksum. A flipped mantissa bit is a
  // plausible weight and loads; a value made NaN or infinite is refused by the value check.
  TempDir dir;
  const std::string path = dir.file("k.weights.h5");
  trained_mlp(1).save_weights(path);
  const auto kernel = read_floats(path, "layers/dense/vars/0", 24);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(H5Ldelete(f, "layers/dense/vars/0", H5P_DEFAULT) >= 0);
  hsize_t dims[2] = {6, 4};
  hid_t space = H5Screate_simple(2, dims, nullptr);
  hid_t set = H5Dcreate2(f, "layers/dense/vars/0", H5T_IEEE_F32LE, space, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, kernel.data());
  H5Dclose(set);
  H5Sclose(space);
  H5Fclose(f);
  bool chunked = true;
  const haddr_t at = data_offset(path, "layers/dense/vars/0", &chunked);
  CHECK_FALSE(chunked);

  Model m = trained_mlp(2);
  flip_bit(path, at + 4 * 5, 3);  // mantissa bit of kernel[1][1]: not detectable
  CHECK(m.load_weights(path).empty());
  CHECK(m.weights()[0].data<float>()[5] != kernel[5]);
  CHECK(m.weights()[0].data<float>()[4] == kernel[4]);

  const std::uint32_t nan_bits = 0x7fc00000;
  std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
  io.seekp(static_cast<std::streamoff>(at + 4 * 7));
  io.write(reinterpret_cast<const char*>(&nan_bits), 4);
  io.close();
  Model fresh = trained_mlp(3);
  refused(fresh, path, "layers/dense/vars/0 (kernel of layer '" + fresh.layers()[1].name() + "')",
          "at flat index 7");
}

TEST_CASE("integrity: NaN or infinite weights are refused, naming the layer and variable") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  Model m = trained_mlp(2);
  const std::string layer = m.layers()[2].name();  // the second Dense
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
    CAPTURE(bad);
    trained_mlp(1).save_weights(path);
    rewrite<float>(path, "layers/dense_1/vars/1", {0.5f, bad, bad}, H5T_NATIVE_FLOAT);
    const ContractError e = refused(m, path, "layers/dense_1/vars/1 (bias of layer '" + layer +
                                                 "') holds NaN or infinite values",
                                    std::isnan(bad) ? "nan at flat index 1" : "-inf at flat index 1");
    CHECK(e.actual().find("2 of 3 values") != std::string::npos);
  }
}

TEST_CASE("integrity: an impossible iteration count is refused; the model keeps its state") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  Model m = trained_mlp(2);
  const std::int64_t min2 = std::numeric_limits<std::int64_t>::min() + 2;  // 2, sign bit flipped
  for (std::int64_t it : {min2, std::numeric_limits<std::int64_t>::max(), std::int64_t{-1},
                          (std::int64_t{1} << 53) + 1}) {
    CAPTURE(it);
    trained_mlp(1).save_weights(path);
    rewrite<std::int64_t>(path, "optimizer/vars/0", {it}, H5T_NATIVE_INT64);
    const ContractError e =
        refused(m, path, "optimizer/vars/0 (iteration) holds an impossible count", std::to_string(it));
    CHECK(e.expected().find("9007199254740992") != std::string::npos);
  }
  trained_mlp(1).save_weights(path);
  rewrite<std::int64_t>(path, "optimizer/vars/0", {std::int64_t{1} << 53}, H5T_NATIVE_INT64);
  CHECK(m.load_weights(path).empty());  // the largest allowed count loads
  CHECK(m.optimizer().impl()->iterations() == (std::int64_t{1} << 53));
}

TEST_CASE("integrity: a learning rate that is NaN, infinite or <= 0 is refused") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  Model m = trained_mlp(2);
  for (float lr : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                   0.0f, -0.01f}) {
    CAPTURE(lr);
    trained_mlp(1).save_weights(path);
    rewrite<float>(path, "optimizer/vars/1", {lr}, H5T_NATIVE_FLOAT);
    refused(m, path, "optimizer/vars/1 (learning_rate) holds an impossible learning rate",
            std::isnan(lr) ? "nan" : std::isinf(lr) ? "inf" : lr == 0 ? "0" : "-0.0099");
  }
}

TEST_CASE("integrity: NaN slots and a negative Adam velocity are refused, naming the slot") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  Model m = trained_mlp(2);
  const std::string kernel = "kernel of layer '" + m.layers()[1].name() + "'";
  // optimizer/vars: 0 iteration, 1 learning_rate, 2 momentum and 3 velocity of the first kernel.
  trained_mlp(1).save_weights(path);
  auto slot = read_floats(path, "optimizer/vars/2", 24);
  slot[13] = std::numeric_limits<float>::quiet_NaN();
  rewrite(path, "optimizer/vars/2", slot, H5T_NATIVE_FLOAT);
  refused(m, path, "optimizer/vars/2 (momentum of " + kernel + ") holds NaN or infinite values",
          "nan at flat index 13");
  trained_mlp(1).save_weights(path);
  slot = read_floats(path, "optimizer/vars/3", 24);
  slot[0] = -1e-3f;
  rewrite(path, "optimizer/vars/3", slot, H5T_NATIVE_FLOAT);
  const ContractError e = refused(m, path, "optimizer/vars/3 (velocity of " + kernel +
                                               ") holds negative values", "-0.001");
  CHECK(e.expected().find("finite values >= 0") != std::string::npos);
}

TEST_CASE("integrity: save_weights refuses NaN weights and leaves the previous file as it was") {
  TempDir dir;
  const std::string path = dir.file("m.weights.h5");
  Model m = trained_mlp(3);
  m.save_weights(path);
  auto bytes = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string before = bytes();
  std::vector<Tensor> w = m.layers()[2].weights();  // the second Dense: kernel, bias
  std::vector<Tensor> bad{w[0].clone(), w[1].clone()};
  bad[1].data<float>()[1] = std::numeric_limits<float>::quiet_NaN();
  m.layers()[2].set_weights(bad);
  try {
    m.save_weights(path);
    FAIL("a NaN weight was saved");
  } catch (const ContractError& e) {
    CHECK(e.code() == "numerics.nonfinite");
    CHECK(std::string(e.what()).find("'bias' of '" + m.layers()[2].name() + "'") != std::string::npos);
    CHECK(e.cause().find("load_weights refuses such a file") != std::string::npos);
  }
  CHECK(bytes() == before);
  Model fresh = trained_mlp(3);
  CHECK(fresh.load_weights(path).empty());  // the earlier checkpoint still loads
}

}  // TEST_SUITE
