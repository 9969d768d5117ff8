#pragma once
// The bytes of a data file, plain or gzip-compressed (internal to data/). A gzip file is
// decoded with every check RFC 1952 provides, member by member: the header (magic, method,
// flags, header CRC-16), the deflate data, the trailer's CRC-32 and ISIZE, and what follows
// the last member. Any failure raises data.format (phase load) naming the file, the member and
// the check that failed. Concatenated members (`cat a.gz b.gz`, valid gzip) are read one after
// the other, each checked; any other bytes after a member's trailer, zero padding included,
// are refused.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <zlib.h>

namespace tenet::data::detail {

class ByteSource {
 public:
  // Opens `path` (IOError when missing or unreadable); `kind` names the file in messages
  // ("IDX file"). Plain unless the file starts with the gzip magic 0x1f 0x8b.
  ByteSource(const std::string& path, std::string kind);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool compressed() const { return gzip_; }
  unsigned long long file_size() const { return file_size_; }
  // Reads up to n bytes into dst; fewer only when the data ends cleanly (for gzip: after the
  // last member's trailer has been checked and nothing but the end of the file follows).
  unsigned long long read(unsigned char* dst, unsigned long long n);

 private:
  unsigned long long read_plain(unsigned char* dst, unsigned long long n);
  bool fill();                                  // more compressed input; false at end of file
  bool take(unsigned char* dst, std::size_t n);  // exactly n raw bytes, false if the file ends
  bool begin_member();                          // false at a clean end of the file
  void read_header();
  void end_member();
  [[noreturn]] void refuse(const std::string& summary, const std::string& expected,
                           const std::string& actual, const std::string& cause);
  std::string member() const;  // "member 1" / "member 2 (at byte 4711)"

  std::string path_, kind_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
  unsigned long long file_size_ = 0;
  bool gzip_ = false;
  std::vector<unsigned char> in_;
  z_stream z_{};
  bool z_ready_ = false;
  bool in_member_ = false;
  int members_ = 0;
  unsigned long long consumed_ = 0;      // compressed bytes taken from in_ so far
  unsigned long long member_start_ = 0;  // file offset of the current member
  unsigned long long member_out_ = 0;    // bytes the current member has decompressed to
  std::uint32_t crc_ = 0;                // CRC-32 of the current member's output so far
};

}  // namespace tenet::data::detail
