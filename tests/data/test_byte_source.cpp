// Suite "data": the tests of byte_source.
#include <doctest/doctest.h>

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian keeps the serial HDF5 headers here
#else
#include <hdf5.h>
#endif

#include <zlib.h>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/hdf5_io.hpp>
#include <tenet/data/idx.hpp>

#include "support/test_data_util.hpp"
#include "support/gzip_util.hpp"

using namespace tenet;
using namespace tenet::testing;
using tenet::testing::Bytes;
using tenet::testing::idx_payload;

namespace {

void put_le32(Bytes& b, std::uint32_t v) {
  for (int s = 0; s < 32; s += 8) b.push_back(static_cast<unsigned char>(v >> s));
}

// One gzip member: `header` (10 bytes or more, as given), raw deflate data at `level` (0 =
// stored blocks, so every data byte is in the file as is), CRC-32 and ISIZE.
Bytes gzip_member(const Bytes& raw, int level, Bytes header = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&z, static_cast<uLong>(raw.size())));
  z.next_in = const_cast<unsigned char*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  Bytes m = std::move(header);
  m.insert(m.end(), out.begin(), out.end());
  put_le32(m, static_cast<std::uint32_t>(crc32(0, raw.data(), static_cast<uInt>(raw.size()))));
  put_le32(m, static_cast<std::uint32_t>(raw.size()));
  return m;
}

struct Refusal {
  std::string summary, expected, actual;
};

// read_idx must refuse `bytes` with data.format naming the file and "gzip check failed: <check>".
Refusal refused(const TempDir& dir, const Bytes& bytes, const std::string& check) {
  const std::string path = dir.file("bad.idx.gz");
  write_bytes(path, bytes);
  const ContractError e = capture_contract([&] { data::read_idx(path); });
  check_format_error(e, path);
  CHECK(e.info().summary.find("gzip check failed: " + check) != std::string::npos);
  return {e.info().summary, e.expected(), e.actual()};
}

std::string hex8(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("gzip IDX: a flipped CRC-32 byte is 'CRC-32 mismatch', stored and computed named") {
  TempDir dir;
  const Bytes raw = idx_payload(300);
  Bytes z = gzip_member(raw, 9);
  const std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, raw.data(), static_cast<uInt>(raw.size())));
  z[z.size() - 8] ^= 0x01;  // the CRC-32's low byte
  const Refusal r = refused(dir, z, "CRC-32 mismatch in member 1");
  CHECK(r.expected.find(hex8(crc ^ 1)) != std::string::npos);  // what the trailer says
  CHECK(r.actual.find(hex8(crc)) != std::string::npos);        // what the data gives
  CHECK(r.actual.find("308 decompressed bytes") != std::string::npos);
  // The old reader called this "the file ends inside the magic number".
  CHECK(r.summary.find("magic") == std::string::npos);
}

TEST_CASE("gzip IDX: a flipped data byte is 'CRC-32 mismatch'") {
  // Stored blocks: the data bytes are in the file as they are.
  TempDir dir;
  for (std::uint32_t n : {300u, 300000u}) {
    CAPTURE(n);
    Bytes z = gzip_member(idx_payload(n), 0);
    z[z.size() - 8 - 10] ^= 0x40;  // a byte of the last pixels
    refused(dir, z, "CRC-32 mismatch in member 1");
  }
}

TEST_CASE("gzip IDX: a flipped ISIZE byte is 'ISIZE mismatch'") {
  TempDir dir;
  Bytes z = gzip_member(idx_payload(300), 9);
  z[z.size() - 4] ^= 0x02;
  const Refusal r = refused(dir, z, "ISIZE mismatch in member 1");
  CHECK(r.expected.find("ISIZE 310") != std::string::npos);
  CHECK(r.actual.find("308 decompressed bytes") != std::string::npos);
}

TEST_CASE("gzip IDX: a cut trailer is 'truncated trailer', a cut stream 'truncated stream'") {
  TempDir dir;
  Bytes z = gzip_member(idx_payload(3000), 9);
  Bytes cut(z.begin(), z.end() - 3);  // 5 of the 8 trailer bytes left
  Refusal r = refused(dir, cut, "truncated trailer of member 1");
  CHECK(r.actual.find("5 bytes before the end of the file") != std::string::npos);
  cut.assign(z.begin(), z.end() - 8);  // no trailer at all
  r = refused(dir, cut, "truncated trailer of member 1");
  CHECK(r.actual.find("0 bytes") != std::string::npos);
  cut.assign(z.begin(), z.end() - 12);  // inside the deflate data
  r = refused(dir, cut, "truncated stream in member 1");
  CHECK(r.actual.find("the file ends at byte " + std::to_string(cut.size())) != std::string::npos);
}

TEST_CASE("gzip IDX: bytes after the last member are 'trailing bytes', zero padding too") {
  TempDir dir;
  const Bytes z = gzip_member(idx_payload(300), 9);
  Bytes junk = z;
  junk.insert(junk.end(), {'j', 'u', 'n', 'k'});
  Refusal r = refused(dir, junk, "trailing bytes after the last member");
  CHECK(r.actual.find("4 bytes more from byte " + std::to_string(z.size()) +
                      ", starting 0x6a 0x75 0x6e 0x6b") != std::string::npos);
  Bytes zeros = z;
  zeros.resize(z.size() + 512, 0);  // tar-style padding
  r = refused(dir, zeros, "trailing bytes after the last member");
  CHECK(r.actual.find("512 bytes more") != std::string::npos);
  Bytes one = z;
  one.push_back(0x1f);  // half a gzip magic
  refused(dir, one, "trailing bytes after the last member");
}

TEST_CASE("gzip IDX: bad headers name what is wrong") {
  TempDir dir;
  const Bytes raw = idx_payload(300);
  Bytes z = gzip_member(raw, 9);
  z[2] = 7;
  Refusal r = refused(dir, z, "bad header in member 1: unknown compression method");
  CHECK(r.actual == "method 7");
  z = gzip_member(raw, 9);
  z[3] = 0x20;
  refused(dir, z, "bad header in member 1: reserved flag bits set");
  // FHCRC with a wrong header CRC-16; FNAME that runs to the end of the file.
  Bytes h = {0x1f, 0x8b, 8, 2, 0, 0, 0, 0, 0, 3};
  const std::uint32_t hcrc = static_cast<std::uint32_t>(crc32(0, h.data(), 10)) & 0xffff;
  h.push_back(static_cast<unsigned char>(hcrc ^ 0xff));
  h.push_back(static_cast<unsigned char>(hcrc >> 8));
  refused(dir, gzip_member(raw, 9, h), "bad header in member 1: header CRC-16 mismatch");
  refused(dir, {0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3, 'x', '.', 'i', 'd', 'x'},
          "truncated header in member 1");
  refused(dir, {0x1f, 0x8b, 8}, "truncated header in member 1");
}

TEST_CASE("gzip IDX: optional header fields with a correct CRC-16 are read") {
  TempDir dir;
  const Bytes raw = idx_payload(300);
  Bytes h = {0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3, 3, 0, 'a', 'b', 'c'};
  for (char c : std::string("x.idx")) h.push_back(static_cast<unsigned char>(c));
  h.push_back(0);
  for (char c : std::string("a comment")) h.push_back(static_cast<unsigned char>(c));
  h.push_back(0);
  const std::uint32_t hcrc = static_cast<std::uint32_t>(crc32(0, h.data(), static_cast<uInt>(h.size())));
  h.push_back(static_cast<unsigned char>(hcrc));
  h.push_back(static_cast<unsigned char>(hcrc >> 8));
  const std::string path = dir.file("fields.idx.gz");
  write_bytes(path, gzip_member(raw, 6, h));
  const Tensor t = data::read_idx(path, 1);
  CHECK(t.shape() == Shape{300});
  CHECK(t.data<std::uint8_t>()[299] == static_cast<std::uint8_t>(299 * 7));
}

TEST_CASE("gzip IDX: concatenated members are one file, each member checked") {
  TempDir dir;
  const Bytes raw = idx_payload(3000);
  const Bytes a(raw.begin(), raw.begin() + 1000), b(raw.begin() + 1000, raw.end());
  Bytes cat = gzip_member(a, 9);
  const std::size_t second_at = cat.size();
  const Bytes zb = gzip_member(b, 0);
  cat.insert(cat.end(), zb.begin(), zb.end());
  const std::string path = dir.file("cat.idx.gz");
  write_bytes(path, cat);
  const Tensor t = data::read_idx(path, 1);  // as `cat a.gz b.gz` then gzip -d gives
  REQUIRE(t.shape() == Shape{3000});
  for (std::uint32_t i : {0u, 995u, 996u, 2999u})
    CHECK(t.data<std::uint8_t>()[i] == static_cast<std::uint8_t>(i * 7));
  cat[cat.size() - 20] ^= 0x10;  // a stored data byte of member 2
  const Refusal r = refused(dir, cat, "CRC-32 mismatch in member 2 (at byte " +
                                          std::to_string(second_at) + ")");
  CHECK(r.actual.find(std::to_string(b.size()) + " decompressed bytes") != std::string::npos);
}

TEST_CASE("gzip IDX: every single-bit flip after the fixed header is refused or harmless") {
  // Bytes 4..9 (MTIME, XFL, OS) carry nothing a reader uses; every other bit is checked by
  // something (magic, method, flags, deflate, CRC-32, ISIZE). A flip that leaves the data
  // the same (a padding bit of the last deflate byte) may load; different data never does.
  TempDir dir;
  const Bytes raw = idx_payload(40);
  const Bytes z = gzip_member(raw, 9);
  const std::string path = dir.file("flip.idx.gz");
  const Tensor good = Tensor::from_vector(std::vector<std::uint8_t>(raw.begin() + 8, raw.end()), {40});
  int refused_count = 0, harmless = 0;
  for (std::size_t at = 0; at < z.size(); ++at) {
    if (at >= 4 && at < 10) continue;
    for (int bit = 0; bit < 8; ++bit) {
      Bytes f = z;
      f[at] ^= static_cast<unsigned char>(1 << bit);
      write_bytes(path, f);
      CAPTURE(at);
      CAPTURE(bit);
      try {
        const Tensor t = data::read_idx(path);
        CHECK(array_equal(t, good));
        ++harmless;
      } catch (const ContractError& e) {
        CHECK(e.code() == "data.format");
        ++refused_count;
      }
    }
  }
  MESSAGE(refused_count << " flips refused, " << harmless << " harmless");
  CHECK(harmless < 8);  // at most the padding bits of the last deflate byte
}

}  // TEST_SUITE
