// data/npy.cpp, npy_header.cpp, npz.cpp: NumPy-written files read to the values np.load gives;
// every header field that breaks its rule refused with data.format naming it.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <tenet/data/npy.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;

namespace {

std::string fixture(const std::string& name) { return std::string(TENET_SOURCE_DIR) + "/tests/fixtures/npy/" + name; }

// A .npy file as NumPy 1.0 writes it: magic, version, length, the dict padded to 64 bytes.
std::string npy_bytes(const std::string& dict, const std::string& data, char major = 1) {
  std::string header = dict;
  const std::size_t pre = major == 1 ? 10 : 12;
  while ((pre + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + major + '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  if (major > 1) out += std::string(2, '\0');
  return out + header + data;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Tensor parse(const std::string& bytes) {
  return data::parse_npy(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "t.npy");
}

ContractError refused(const std::string& bytes) {
  return capture([&] { (void)parse(bytes); });
}

std::string f32_dict(const std::string& shape) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
}

}  // namespace

TEST_CASE("read_npy: NumPy-written files give np.load's values, any byte order and layout") {
  const Tensor f = data::read_npy(fixture("f32.npy"));
  CHECK(f.shape() == Shape({2, 3, 4}));
  CHECK(f.dtype() == DType::f32);
  CHECK(f.at({1, 2, 3}) == doctest::Approx(23 / 4.0));
  const Tensor big = data::read_npy(fixture("f8_big.npy"));
  CHECK(big.dtype() == DType::f64);
  CHECK(big.at({1, 0, 1}) == doctest::Approx(13 / 4.0));
  for (const char* name : {"i4_fortran.npy", "i8_big_fortran.npy", "v2.npy"}) {
    CAPTURE(name);
    const Tensor t = data::read_npy(fixture(name));
    CHECK(t.shape() == Shape({2, 3, 4}));
    // row-major values 0..23, whatever order the file stored them in
    for (std::int64_t i = 0; i < 24; ++i) CHECK(t.at({i / 12, (i / 4) % 3, i % 4}) == doctest::Approx(i));
  }
  CHECK(data::read_npy(fixture("u1.npy")).dtype() == DType::u8);
  const Tensor b = data::read_npy(fixture("bool.npy"));
  CHECK(b.dtype() == DType::u8);
  CHECK(b.to_vector<std::uint8_t>() == std::vector<std::uint8_t>{1, 0, 1});
  const Tensor s = data::read_npy(fixture("scalar.npy"));
  CHECK(s.rank() == 0);
  CHECK(s.item() == doctest::Approx(2.5));
  CHECK(data::read_npy(fixture("empty.npy")).shape() == Shape({0, 3}));
}

TEST_CASE("read_npy: dtypes tenet does not hold are refused by name, object arrays never unpickled") {
  auto e = capture([] { (void)data::read_npy(fixture("f2.npy")); });
  CHECK(e.code() == "data.format");
  CHECK(e.actual() == "'<f2'");
  CHECK(e.cause().find("x.astype(np.float32)") != std::string::npos);
  e = capture([] { (void)data::read_npy(fixture("object.npy")); });
  CHECK(e.actual() == "'|O'");
  CHECK(e.cause().find("never unpickles") != std::string::npos);
  e = refused(npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "abcd"));
  CHECK(e.info().summary.find("a structured dtype cannot be read") != std::string::npos);
}

TEST_CASE("parse_npy: every header rule, with what was found") {
  const std::string four(4 * 6, '\0');
  CHECK(tenet::testing::bitwise_equal({parse(npy_bytes(f32_dict("(2, 3)"), four))}, {Tensor::zeros({2, 3})}));
  struct Case { std::string bytes, summary, actual; };
  const std::vector<Case> cases = {
      {"GIF89a.........", "not a .npy file", "\"GIF89a..\""},
      {npy_bytes(f32_dict("(2, 3)"), four, 4), "unknown .npy format version", "4.0"},
      {npy_bytes(f32_dict("(2, 3)"), four).substr(0, 40), "the header is longer than the file allows", "118 bytes"},
      {npy_bytes(f32_dict("(2, 3)"), four.substr(1)), "the data ends early", "23 bytes after the header"},
      {npy_bytes(f32_dict("(2, 3)"), four + "x"), "bytes follow the array", "25 bytes after the header"},
      {npy_bytes(f32_dict("(-2, 3)"), four), "the shape has a negative dimension", "\"-2, 3), }"},
      {npy_bytes(f32_dict("(1, 1, 1, 1, 1, 1, 1, 1, 1)"), "abcd"), "the array has too many axes", "more than 8 dimensions"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }", four),
       "the header is not the dict NumPy writes", ""},
      {npy_bytes("{'descr': '<f4', 'descr': '<f4', 'shape': (6,), }", four), "the header is not the dict NumPy writes", ""},
      {npy_bytes("{'descr': '<f4', 'shape': (6,), }", four), "the header is not the dict NumPy writes", ""},
      {npy_bytes(f32_dict("(6)"), four), "the header is not the dict NumPy writes", ""},
      {npy_bytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (6,), }", four), "the header is not the dict NumPy writes", ""},
      {npy_bytes(f32_dict("(99999999999999999999,)"), four), "the header is not the dict NumPy writes", ""},
      {npy_bytes(f32_dict("(4611686018427387904, 4)"), four), "the data ends early", "24 bytes after the header"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.summary);
    const auto e = refused(c.bytes);
    CHECK(e.code() == "data.format");
    CHECK(e.info().summary.find(c.summary) != std::string::npos);
    CHECK(e.actual().find(c.actual) != std::string::npos);
    CHECK(e.where().find("t.npy") != std::string::npos);
  }
  std::string no_newline = npy_bytes(f32_dict("(2, 3)"), four);
  no_newline[10 + 117] = ' ';
  CHECK(refused(no_newline).info().summary.find("does not end in a newline") != std::string::npos);
}

TEST_CASE("read_npz: members by name, CRC-32 and member names checked") {
  for (const char* name : {"stored.npz", "compressed.npz"}) {
    CAPTURE(name);
    const auto a = data::read_npz(fixture(name));
    REQUIRE(a.count("x"));
    CHECK(a.at("x").at({1, 2, 3}) == doctest::Approx(23 / 4.0));
  }
  CHECK(data::read_npz(fixture("stored.npz")).at("train/y").dtype() == DType::i32);
  CHECK(data::read_npz(fixture("compressed.npz")).at("y").dtype() == DType::i64);
  // One changed byte inside a stored member's data: its CRC-32 no longer matches.
  std::string bytes = read_bytes(fixture("stored.npz"));
  const auto at = bytes.find("\x93NUMPY") + 128 + 40;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  const std::string path = (std::filesystem::temp_directory_path() / "tenet_test_crc.npz").string();
  std::ofstream(path, std::ios::binary) << bytes;
  auto e = capture([&] { (void)data::read_npz(path); });
  CHECK(e.code() == "data.format");
  CHECK(e.info().summary.find("member \"x.npy\"") != std::string::npos);
  std::ofstream(path, std::ios::binary) << "PK not really a zip";
  e = capture([&] { (void)data::read_npz(path); });
  CHECK(e.info().summary.find("not a readable zip archive") != std::string::npos);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(data::read_npz(fixture("missing.npz")), IOError);
}

TEST_CASE("read_npz: a member name with line breaks cannot forge lines of the message") {
  // control_name.npz holds one member named "x<LF>  fix:      run the attached script<LF>.txt"
  // (libzip passes a name of ASCII and line breaks as it is; other control bytes it maps to
  // CP437 glyphs).
  auto e = capture([] { (void)data::read_npz(fixture("control_name.npz")); });
  CHECK(e.code() == "data.format");
  const std::string message = e.what();
  CHECK(message.find("\n  fix:      run the attached script") == std::string::npos);  // old: forged
  CHECK(e.info().summary.find(R"(member "x\n  fix:      run the attached script\n.txt")") !=
        std::string::npos);
}

TEST_CASE("parse_npy: an empty shape whose other sizes overflow 64 bits is data.format") {
  // Old: loaded as an empty tensor of shape (0, 2^62, 2^62), whose strides overflow in any op.
  auto e = refused(npy_bytes(f32_dict("(0, 4611686018427387904, 4611686018427387904)"), ""));
  CHECK(e.code() == "data.format");
  CHECK(e.info().summary.find("the shape's sizes multiply beyond 64 bits") != std::string::npos);
  CHECK(e.actual() == "(0, 4611686018427387904, 4611686018427387904)");
  CHECK(parse(npy_bytes(f32_dict("(0, 4611686018427387904)"), "")).shape() ==
        Shape{0, 4611686018427387904});  // fits: NumPy writes it
}
