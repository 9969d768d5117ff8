// Suite "data": the tests of hdf5_write.
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
#include <zlib.h>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <cerrno>
#include <cstring>

#include <tenet/core/ops/ops.hpp>
#include <tenet/data/hdf5_io.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/tenet.hpp>

#include "support/test_data_util.hpp"
#include "support/test_reliability_save_util.hpp"

using namespace tenet;
using namespace tenet::testing;
namespace fs = std::filesystem;
using save_test::mode_at;
using save_test::names_in;
using save_test::Save;
using save_test::Writer;
using tenet::testing::capture;
using tenet::testing::capture_io;
using tenet::testing::TempDir;

TEST_SUITE("data") {

TEST_CASE("HDF5 round trip of every dtype, in order, with groups and a subset") {
  TempDir dir;
  const std::string path = dir.file("set.h5");
  const Tensor f32 = Tensor::randn({3, 4, 2}, 1);
  const Tensor f64 = Tensor::randn({5}, 2).astype(DType::f64) * 1e10;
  const Tensor u8 = Tensor::arange(256, DType::u8).reshape({16, 16});
  const Tensor i32 = Tensor::from_vector(std::vector<std::int32_t>{-7, 0, 2147483647});
  const Tensor i64 = Tensor::from_vector(std::vector<std::int64_t>{-(1LL << 40), 5}, {2, 1});
  const Tensor scalar = Tensor::scalar(2.5, DType::f64);
  const Tensor empty = Tensor::zeros({0, 3});
  data::save_h5(path, {{"x", f32}, {"f64", f64}, {"labels/u8", u8}, {"i32", i32},
                       {"i64", i64}, {"scalar", scalar}, {"empty", empty}});
  auto a = data::load_h5(path);
  CHECK(a.size() == 7);
  CHECK(array_equal(a.at("x"), f32));
  CHECK(array_equal(a.at("f64"), f64));
  CHECK(array_equal(a.at("labels/u8"), u8));
  CHECK(array_equal(a.at("i32"), i32));
  CHECK(array_equal(a.at("i64"), i64));
  CHECK(a.at("scalar").shape() == Shape{});
  CHECK(a.at("scalar").item() == 2.5);
  CHECK(a.at("empty").shape() == Shape{0, 3});
  auto sub = data::load_h5(path, {"i32", "x"});
  CHECK(sub.size() == 2);
  CHECK(array_equal(sub.at("i32"), i32));
  // Atomic write: no temporary file is left beside the target.
  int files = 0;
  for (auto& entry : std::filesystem::directory_iterator(dir.file(""))) (void)entry, ++files;
  CHECK(files == 1);
  // A missing name lists what the file holds.
  auto e = capture_contract([&] { data::load_h5(path, {"y"}); });
  CHECK(e.code() == "data.format");
  CHECK(e.actual().find("labels/u8") != std::string::npos);
}

// libhdf5's exit handler crashes after some corrupt files (data/hdf5_write.cpp), so tenet
// replaces it: the same teardown normally, only a flush of the files still open once the
// process has refused a corrupt file. Either way the program must end cleanly and a file
// another part of it left open must be complete. Run in a fresh
// process (this binary, this test case alone) so that tenet makes the first HDF5 call.
TEST_CASE("HDF5: a file left open by the program is still written out at exit") {
  if (const char* child_file = std::getenv("TENET_TEST_OPEN_AT_EXIT")) {
    TempDir dir;
    // An in-process read that starts HDF5 replaces libhdf5's exit handler with tenet's, which
    // only flushes once the process has refused a file; otherwise libhdf5's handler stays.
    if (std::getenv("TENET_TEST_REFUSE_FIRST")) {
      write_bytes(dir.file("bad.h5"), {'n', 'o', 't', ' ', 'h', 'd', 'f'});
      CHECK_THROWS_AS(data::load_h5(dir.file("bad.h5")), ContractError);
    }
    data::save_h5(dir.file("first.h5"), {{"a", Tensor::ones({3})}});
    const hid_t f = H5Fcreate(child_file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[1] = {4};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t set = H5Dcreate2(f, "x", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const int values[4] = {1, 2, 3, 4};
    REQUIRE(H5Dwrite(set, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    return;  // f, set and space stay open: the exit handler must write the file out
  }
  for (const bool refuse_first : {false, true}) {
    CAPTURE(refuse_first);
    TempDir dir;
    const std::string path = dir.file("left_open.h5");
    // The refusal must happen in the process itself (tenet's readers normally run libhdf5 in a
    // separate process; TENET_HDF5_ISOLATION=in_process reads in-process, as the fuzzers do).
    const std::string cmd = std::string(refuse_first ? "TENET_TEST_REFUSE_FIRST=1 TENET_HDF5_ISOLATION=in_process " : "") +
                            "TENET_TEST_OPEN_AT_EXIT='" + path + "' /proc/" +
                            std::to_string(::getpid()) +
                            "/exe -tc='HDF5: a file left open by the program*' > /dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto arrays = data::load_h5(path);
    REQUIRE(arrays.count("x") == 1);
    const Tensor x = arrays.at("x");
    CHECK(x.shape() == Shape{4});
    CHECK(x.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 2, 3, 4});
  }
}

TEST_CASE("save_h5: arrays chunked (<= 1 MiB) with Fletcher-32; a flipped bit in chunk 2 is refused") {
  TempDir dir;
  const std::string path = dir.file("big.h5");
  const Tensor big = Tensor::randn({600, 1000}, 4);  // 2.4 MB: chunks of 262 rows (1048000 bytes)
  data::save_h5(path, {{"big", big}, {"s", Tensor::full({}, 3.0)}, {"none", Tensor::zeros({0, 3})}});
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t set = H5Dopen2(f, "big", H5P_DEFAULT);
  hid_t dcpl = H5Dget_create_plist(set);
  hsize_t chunk[2] = {0, 0};
  CHECK(H5Pget_chunk(dcpl, 2, chunk) == 2);
  CHECK(chunk[0] == 262);
  CHECK(chunk[1] == 1000);
  CHECK(H5Pget_nfilters(dcpl) == 1);
  hid_t space = H5Dget_space(set);
  hsize_t origin[2], size = 0;
  unsigned mask = 0;
  haddr_t at = HADDR_UNDEF;
  CHECK(H5Dget_chunk_info(set, space, 1, origin, &mask, &at, &size) >= 0);  // rows 262..523
  CHECK(origin[0] == 262);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Dclose(set);
  H5Fclose(f);
  REQUIRE(at != HADDR_UNDEF);

  auto back = data::load_h5(path);
  CHECK(array_equal(back.at("big"), big));
  CHECK(back.at("s").item() == 3.0);
  CHECK(back.at("none").shape() == Shape{0, 3});

  std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
  io.seekg(static_cast<std::streamoff>(at + 40000));
  char c = 0;
  io.get(c);
  io.seekp(static_cast<std::streamoff>(at + 40000));
  io.put(static_cast<char>(c ^ 0x10));
  io.close();
  const ContractError e = capture_contract([&] { data::load_h5(path); });
  check_format_error(e, path);
  CHECK(e.info().summary.find("checksum failed: dataset 'big' is corrupt") != std::string::npos);
  CHECK(e.expected().find("2400000 bytes (2.3 MiB) of data matching the Fletcher-32 checksum") !=
        std::string::npos);
  CHECK(data::load_h5(path, {"s"}).at("s").item() == 3.0);  // the other datasets still read
}

TEST_CASE("save_h5 refuses an empty Tensor and bad or clashing names with options.invalid") {
  TempDir d;
  const std::string path = d.file("set.h5");
  const Tensor x = Tensor::zeros({2});
  ContractError e = capture([&] { data::save_h5(path, {{"x", x}, {"images", Tensor()}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.site().name == "save_h5");
  CHECK(std::string(e.what()).find("save_h5's array 1 (\"images\")") != std::string::npos);
  CHECK(std::string(e.what()).find("empty Tensor") != std::string::npos);
  struct Bad {
    data::NamedArrays arrays;
    std::string named, problem;
  };
  const std::vector<Bad> bad = {
      {{{"", x}}, "\"\" (array 0)", "is empty"},
      {{{"a//b", x}}, "\"a//b\" (array 0)", "has an empty part"},
      {{{"x", x}, {"/a", x}}, "\"/a\" (array 1)", "has an empty part"},
      {{{"a/", x}}, "\"a/\" (array 0)", "has an empty part"},
      {{{"./a", x}}, "\"./a\" (array 0)", "has a '.' part"},
      {{{"a/../b", x}}, "\"a/../b\" (array 0)", "has a '..' part"},
      {{{"x", x}, {"y", x}, {"x", x}}, "\"x\" (array 2)", "is also the name of array 0"},
      {{{"a", x}, {"a/b", x}}, "\"a\" (array 0)", "is also the group holding array \"a/b\""},
      {{{"a/b/c", x}, {"a/b", x}}, "\"a/b\" (array 1)", "is also the group holding array \"a/b/c\""},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.named);
    e = capture([&] { data::save_h5(path, b.arrays); });
    CHECK(e.code() == "options.invalid");
    const std::string what = e.what();
    CHECK(what.find("save_h5's array name = " + b.named) != std::string::npos);
    CHECK(what.find(b.problem) != std::string::npos);
  }
  CHECK(names_in(save_test::dir_of(d)).empty());
  data::save_h5(path, {{"a/b", x}, {"a/c", x}, {"b", x}});  // groups shared by names: fine
  CHECK(data::load_h5(path).size() == 3);
}

TEST_CASE("hostile api: save_h5 refuses an array of more than 8 axes before writing, naming it") {
  // Rank 9 was written, then refused by load_h5 ("too many axes"); rank 33 failed inside
  // libhdf5 as an IOError.
  TempDir d;
  const std::string path = d.file("deep.h5");
  data::save_h5(path, {{"keep", Tensor::ones({2})}});
  const std::vector<unsigned char> before = read_bytes(path);
  for (int rank : {9, 33}) {
    CAPTURE(rank);
    std::vector<std::int64_t> dims(static_cast<std::size_t>(rank), 1);
    dims.back() = 2;
    const Tensor deep = Tensor::ones(Shape(dims));
    ContractError e = capture([&] {
      data::save_h5(path, {{"x", Tensor::zeros({3})}, {"deep/array", deep}});
    });
    CHECK(e.code() == "options.invalid");
    CHECK(e.site().name == "save_h5");
    CHECK(has(e.what(), "save_h5's array \"deep/array\" (array 1)"));
    CHECK(e.actual() == "rank " + std::to_string(rank) + " " + deep.shape().str());
    CHECK(e.expected() == "an array of rank 0 to 8");
    CHECK(has(e.cause(), "has " + std::to_string(rank) + " axes; load_h5 reads arrays of at most 8"));
    CHECK(read_bytes(path) == before);  // nothing written
  }
  // Rank 8 is written and reads back.
  const Tensor eight = Tensor::ones({1, 1, 1, 1, 1, 1, 1, 2});
  data::save_h5(path, {{"x", eight}});
  CHECK(data::load_h5(path).at("x").shape() == eight.shape());
}

}  // TEST_SUITE
