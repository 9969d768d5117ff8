// ByteSource: plain or gzip bytes of a data file, with every gzip check RFC 1952 provides.
// zlib's gzread is not used: it stops checking once the caller has the bytes it asked for
// (a CRC-32 mismatch after the last byte read goes unnoticed), reports a failed check as a
// short read, and ignores bytes after the last member.
#include "data/byte_source.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <new>

#include <tenet/core/base/error.hpp>
#include "data/format_error.hpp"

namespace tenet::data::detail {

namespace {

constexpr std::size_t kInBuffer = 1u << 18;
// FLG bits of a gzip header (RFC 1952, 2.3.1).
constexpr unsigned kFhcrc = 2, kFextra = 4, kFname = 8, kFcomment = 16, kReserved = 0xe0;

std::string hex(unsigned long long v, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, v);
  return buf;
}

std::uint32_t le32(const unsigned char* b) {
  return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
         std::uint32_t{b[3]} << 24;
}

const char* const kDamaged =
    "bytes of the file changed after it was written (a disk, memory or transfer error, or an "
    "edit), so the data is not what was compressed";

}  // namespace

ByteSource::ByteSource(const std::string& path, std::string kind)
    : path_(path), kind_(std::move(kind)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  require_regular_file(path);
  file_size_ = fs::file_size(path, ec);
  if (ec) io_error(path, ec.message());
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) io_error(path, "cannot open the file (permissions?)");
  in_.resize(kInBuffer);
  fill();
  gzip_ = z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b;
  if (!gzip_) return;
  // Raw deflate: the gzip framing around it is read and checked here.
  if (inflateInit2(&z_, -MAX_WBITS) != Z_OK) throw std::bad_alloc();
  z_ready_ = true;
}

ByteSource::~ByteSource() {
  if (z_ready_) inflateEnd(&z_);
}

bool ByteSource::fill() {
  if (z_.avail_in > 0) return true;
  const std::size_t n = std::fread(in_.data(), 1, in_.size(), file_.get());
  if (n == 0 && std::ferror(file_.get())) io_error(path_, "read error");
  z_.next_in = in_.data();
  z_.avail_in = static_cast<uInt>(n);
  return n > 0;
}

unsigned long long ByteSource::read_plain(unsigned char* dst, unsigned long long n) {
  unsigned long long got = 0;
  while (got < n && fill()) {
    const auto k = std::min<unsigned long long>(n - got, z_.avail_in);
    std::memcpy(dst + got, z_.next_in, k);
    z_.next_in += k;
    z_.avail_in -= static_cast<uInt>(k);
    consumed_ += k;
    got += k;
  }
  return got;
}

bool ByteSource::take(unsigned char* dst, std::size_t n) {
  return read_plain(dst, n) == n;
}

std::string ByteSource::member() const {
  return "member " + std::to_string(members_) +
         (members_ > 1 ? " (at byte " + std::to_string(member_start_) + ")" : "");
}

void ByteSource::refuse(const std::string& summary, const std::string& expected,
                        const std::string& actual, const std::string& cause) {
  format_error(path_, kind_, {"gzip check failed: " + summary, expected, actual, cause,
                              "re-download or re-create " + path_ + "; `gzip -t " + path_ +
                                  "` checks a gzip file"});
}

void ByteSource::read_header() {
  unsigned char h[10];
  std::uint32_t hcrc = crc32(0, nullptr, 0);
  auto need = [&](unsigned char* dst, std::size_t n, const char* part) {
    if (!take(dst, n))
      refuse("truncated header in " + member(), std::string("a complete gzip header (") + part +
             ")", "the file ends at byte " + std::to_string(file_size_),
             "the file was cut short (an interrupted download or copy?)");
    hcrc = crc32(hcrc, dst, static_cast<uInt>(n));
  };
  need(h, 10, "10 fixed bytes");
  if (h[2] != 8)
    refuse("bad header in " + member() + ": unknown compression method",
           "method 8 (deflate) in byte 2", "method " + std::to_string(h[2]), kDamaged);
  if (h[3] & kReserved)
    refuse("bad header in " + member() + ": reserved flag bits set",
           "flag bits 5..7 zero (RFC 1952)", "flags " + hex(h[3], 2), kDamaged);
  unsigned char b[2];
  if (h[3] & kFextra) {
    need(b, 2, "the extra field's length");
    for (unsigned left = b[0] | b[1] << 8; left > 0; --left) need(b, 1, "the extra field");
  }
  for (unsigned flag : {kFname, kFcomment})
    if (h[3] & flag)
      do need(b, 1, flag == kFname ? "the zero-terminated file name" : "the comment");
      while (b[0] != 0);
  if (h[3] & kFhcrc) {
    const std::uint32_t want = hcrc & 0xffff;
    need(b, 2, "the header CRC-16");
    if (static_cast<std::uint32_t>(b[0] | b[1] << 8) != want)
      refuse("bad header in " + member() + ": header CRC-16 mismatch",
             "header CRC-16 " + hex(want, 4) + " (computed)",
             "header CRC-16 " + hex(b[0] | b[1] << 8, 4) + " (stored)", kDamaged);
  }
}

bool ByteSource::begin_member() {
  if (!fill()) return false;  // the end of the file right after a trailer: a clean end
  member_start_ = consumed_;
  unsigned char first[8] = {};
  const std::size_t n = std::min<std::size_t>(z_.avail_in, 8);
  std::memcpy(first, z_.next_in, n);
  ++members_;
  if (n < 2 || first[0] != 0x1f || first[1] != 0x8b) {
    std::string shown;
    for (std::size_t i = 0; i < n; ++i) shown += (i ? " " : "") + hex(first[i], 2);
    refuse("trailing bytes after the last member",
           "the end of the file after member " + std::to_string(members_ - 1) +
               "'s trailer (or another gzip member, starting 0x1f 0x8b)",
           bytes_str(file_size_ - member_start_) + " more from byte " +
               std::to_string(member_start_) + ", starting " + shown,
           "something was appended to the gzip file (two files joined, padding, a partial "
           "copy over an older file?)");
  }
  read_header();
  inflateReset(&z_);
  crc_ = crc32(0, nullptr, 0);
  member_out_ = 0;
  in_member_ = true;
  return true;
}

void ByteSource::end_member() {
  unsigned char t[8] = {};
  const auto got = read_plain(t, 8);
  if (got < 8)
    refuse("truncated trailer of " + member(),
           "8 trailer bytes after the compressed data (CRC-32, then ISIZE)",
           std::to_string(got) + " byte" + (got == 1 ? "" : "s") + " before the end of the file",
           "the file was cut short (an interrupted download or copy?)");
  if (le32(t) != crc_)
    refuse("CRC-32 mismatch in " + member(), "CRC-32 " + hex(le32(t), 8) + " (stored in the trailer)",
           "CRC-32 " + hex(crc_, 8) + " of the " + std::to_string(member_out_) +
               " decompressed bytes", kDamaged);
  if (le32(t + 4) != static_cast<std::uint32_t>(member_out_))
    refuse("ISIZE mismatch in " + member(),
           "ISIZE " + std::to_string(le32(t + 4)) + " (the stored length mod 2^32)",
           std::to_string(member_out_) + " decompressed bytes (" +
               std::to_string(static_cast<std::uint32_t>(member_out_)) + " mod 2^32)", kDamaged);
  in_member_ = false;
}

unsigned long long ByteSource::read(unsigned char* dst, unsigned long long n) {
  if (!gzip_) return read_plain(dst, n);
  unsigned long long got = 0;
  while (got < n) {
    if (!in_member_ && !begin_member()) break;
    const bool at_eof = !fill();
    const auto before_in = z_.avail_in;
    z_.next_out = dst + got;
    z_.avail_out = static_cast<uInt>(std::min<unsigned long long>(n - got, UINT_MAX));
    const int r = inflate(&z_, Z_NO_FLUSH);
    const auto produced = static_cast<uInt>(z_.next_out - (dst + got));
    consumed_ += before_in - z_.avail_in;
    crc_ = crc32(crc_, dst + got, produced);
    member_out_ += produced;
    got += produced;
    if (r == Z_STREAM_END) {
      end_member();
    } else if (r == Z_DATA_ERROR) {
      refuse("corrupt deflate data in " + member(), "valid deflate data",
             std::string(z_.msg ? z_.msg : "invalid data") + ", after " +
                 std::to_string(member_out_) + " decompressed bytes", kDamaged);
    } else if (r == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (at_eof && produced == 0) {
      refuse("truncated stream in " + member(),
             "the member's deflate data to its last block, then an 8-byte trailer",
             "the file ends at byte " + std::to_string(file_size_) + ", inside the compressed "
             "data, after " + std::to_string(member_out_) + " decompressed bytes",
             "the file was cut short (an interrupted download or copy?)");
    }
  }
  return got;
}

}  // namespace tenet::data::detail
