// IDX reader and writer. The header is validated field by field and its declared size is
// checked against what the file can hold before anything is allocated.
#include <tenet/data/idx.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/format_checks.hpp"
#include "core/base/atomic_file.hpp"
#include "data/byte_source.hpp"
#include "data/format_error.hpp"

namespace tenet::data {

using detail::ByteSource;
using detail::bytes_str;
using detail::format_error;
namespace fs = std::filesystem;

namespace {

constexpr unsigned long long kMaxIdxBytes = 1ull << 33;  // 8 GiB: larger is surely corrupt
constexpr unsigned long long kMaxDeflateRatio = 1032;     // deflate never expands beyond this
constexpr unsigned kChunk = 1u << 26;                     // gzwrite takes an unsigned length

const char* idx_type_name(int t) {
  switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
  }
  return nullptr;
}

std::string hex_bytes(const unsigned char* b, int n) {
  std::string s;
  static const char* digits = "0123456789abcdef";
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += "0x";
    s += digits[b[i] >> 4];
    s += digits[b[i] & 15];
  }
  return s;
}

struct Header {
  std::vector<std::int64_t> dims;
  unsigned long long header_bytes = 0, data_bytes = 0;
};

Header read_header(ByteSource& f, const std::string& path, int expected_rank) {
  std::array<unsigned char, 4> m{};
  const auto got = f.read(m.data(), 4);
  if (got < 4)
    format_error(path, "IDX file", {"the file ends inside the 4-byte magic number",
                                    "4 header bytes 0x00 0x00 0x08 <rank>",
                                    bytes_str(got) + " in the whole file",
                                    "the file is empty or truncated", ""});
  const std::string magic = hex_bytes(m.data(), 4);
  if (m[0] != 0 || m[1] != 0)
    format_error(path, "IDX file", {"bad magic number", "0x00 0x00 0x08 <rank>", magic,
        m[0] == 0x1f && m[1] == 0x8b ? "the file is gzip-compressed twice"
            : "an IDX file starts with two zero bytes; this one does not, so it is not an IDX "
              "file (or it is compressed with something other than gzip)", ""});
  if (m[2] != 0x08) {
    const char* name = idx_type_name(m[2]);
    format_error(path, "IDX file", {"unsupported element type", "element type 0x08 (unsigned byte)",
        magic + " = element type " + hex_bytes(&m[2], 1) + (name ? " (" + std::string(name) + ")" : ""),
        name ? std::string("tenet reads IDX files of unsigned bytes only; this one holds ") + name
             : "the third byte is not an IDX element type, so the file is corrupt",
        name ? "convert the file to unsigned bytes, or load it another way and use "
               "Tensor::from_vector" : ""});
  }
  const int rank = m[3];
  if (rank == 0 || (expected_rank >= 0 && rank != expected_rank))
    format_error(path, "IDX file", {"unexpected rank",
        expected_rank >= 0 ? "rank " + std::to_string(expected_rank) : "rank 1 or more",
        "rank " + std::to_string(rank) + " (magic " + magic + ")",
        expected_rank == 3 && rank == 1 ? "a rank-1 file holds labels, not images: the images "
                                          "and labels files are probably swapped"
        : expected_rank == 1 && rank == 3 ? "a rank-3 file holds images, not labels: the images "
                                            "and labels files are probably swapped"
                                          : "the file does not hold the array expected here",
        "read the images file (rank 3) as images and the labels file (rank 1) as labels"});
  Header h;
  std::vector<unsigned char> d(static_cast<std::size_t>(rank) * 4);
  const auto dgot = f.read(d.data(), d.size());
  if (dgot < d.size())
    format_error(path, "IDX file", {"the file ends inside the header",
        std::to_string(rank) + " dimensions (" + std::to_string(d.size()) + " bytes) after the magic",
        bytes_str(dgot), "the file is truncated", ""});
  h.header_bytes = 4 + d.size();
  unsigned long long total = 1;
  for (int i = 0; i < rank; ++i) {
    const unsigned long long v = (unsigned long long)d[4 * i] << 24 | d[4 * i + 1] << 16 |
                                 d[4 * i + 2] << 8 | d[4 * i + 3];
    h.dims.push_back(static_cast<std::int64_t>(v));
    total = (v != 0 && total > kMaxIdxBytes / v) ? kMaxIdxBytes + 1 : total * v;
    if (total > kMaxIdxBytes) total = kMaxIdxBytes + 1;
  }
  h.data_bytes = total;
  return h;
}

// Refuses a header whose declared size exceeds what this file can possibly hold.
void check_declared_size(const Header& h, const std::string& path, unsigned long long file_size,
                         bool gz) {
  const unsigned long long room =
      gz ? file_size * kMaxDeflateRatio
         : (file_size > h.header_bytes ? file_size - h.header_bytes : 0);
  if (h.data_bytes <= kMaxIdxBytes && h.data_bytes <= room) return;
  const std::string declared = Shape(h.dims).str() + " = " +
      (h.data_bytes > kMaxIdxBytes ? "more than " + bytes_str(kMaxIdxBytes) : bytes_str(h.data_bytes));
  format_error(path, "IDX file", {"the header declares more data than the file can hold",
      gz ? "at most " + bytes_str(room) + " (a " + bytes_str(file_size) + " gzip file)"
         : bytes_str(room) + " of data after the " + std::to_string(h.header_bytes) + "-byte header",
      "header declares " + declared,
      "the dimensions in the header are corrupt, or the file was truncated", ""});
}

}  // namespace

Tensor read_idx(const std::string& path, int expected_rank) {
  ByteSource in(path, "IDX file");  // a gzip file is checked member by member as it is read
  const Header h = read_header(in, path, expected_rank);
  check_declared_size(h, path, in.file_size(), in.compressed());
  Tensor out = Tensor::empty(Shape(h.dims), DType::u8);  // size checked against the file above
  const auto got = in.read(out.data<std::uint8_t>(), h.data_bytes);
  if (got < h.data_bytes)
    format_error(path, "IDX file", {"the data ends early",
        bytes_str(h.data_bytes) + " of data for " + Shape(h.dims).str(), bytes_str(got),
        "the file is truncated (an interrupted download or copy?)", ""});
  // Reading on to the end also checks the rest of a gzip stream (the last CRC-32 and ISIZE).
  std::vector<unsigned char> extra(1u << 16);
  unsigned long long more = 0;
  for (unsigned long long r; more < (1ull << 30) && (r = in.read(extra.data(), extra.size())) > 0;)
    more += r;
  if (more > 0)
    format_error(path, "IDX file", {"the file holds bytes after the data",
        bytes_str(h.header_bytes + h.data_bytes) + " in total for " + Shape(h.dims).str(),
        bytes_str(more) + " more after the data",
        "the header's dimensions do not describe the whole file (a wrong header, or two "
        "files concatenated)", ""});
  return out;
}

IdxPair read_idx_pair(const std::string& images_path, const std::string& labels_path,
                      int images_rank) {
  IdxPair p{read_idx(images_path, images_rank), read_idx(labels_path, 1)};
  const std::int64_t ni = p.images.dim(0), nl = p.labels.dim(0);
  if (ni != nl)
    format_error(labels_path, "IDX file", {"images and labels disagree in length",
        std::to_string(ni) + " labels, one per image of " + images_path,
        std::to_string(nl) + " labels",
        images_path + " holds " + std::to_string(ni) + " images but " + labels_path + " holds " +
            std::to_string(nl) + " labels; the files come from different sets or one is damaged",
        "use the labels file that belongs to " + images_path});
  return p;
}

void write_idx(const std::string& path, const Tensor& values) {
  const Site site("write_idx", "op");
  if (!values.defined()) checks::empty_handle("write_idx's values", "Tensor", site, Phase::run);
  checks::check_dtype(values.dtype(), DType::u8, "input.dtype", site, Phase::run,
                      "IDX files written by tenet hold unsigned bytes",
                      "convert first, e.g. values.astype(DType::u8)");
  checks::check_idx_rank(values.shape(), site);
  checks::check_idx_dims(values.shape(), site);
  std::vector<unsigned char> header = {0, 0, 0x08, static_cast<unsigned char>(values.rank())};
  for (auto d : values.shape())
    for (int s = 24; s >= 0; s -= 8) header.push_back(static_cast<unsigned char>(d >> s));
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  files::AtomicFile out(path, "write_idx");
  const int fd = ::fcntl(out.fd(), F_DUPFD_CLOEXEC, 0);  // gzclose closes it; out keeps its own for the fsync
  gzFile f = fd < 0 ? nullptr : gzdopen(fd, gz ? "wb6" : "wbT");
  if (!f) {
    if (fd >= 0) ::close(fd);
    out.fail("cannot start writing " + out.temp_path() + " (out of memory or file descriptors?)");
  }
  bool ok = gzwrite(f, header.data(), static_cast<unsigned>(header.size())) > 0;
  const auto* p = static_cast<const unsigned char*>(values.raw_data());
  for (std::size_t at = 0; ok && at < values.nbytes(); at += kChunk) {
    unsigned n = static_cast<unsigned>(std::min<std::size_t>(kChunk, values.nbytes() - at));
    ok = gzwrite(f, p + at, n) == static_cast<int>(n);
  }
  int err = ok ? 0 : errno;
  if (gzclose(f) != Z_OK && ok) ok = false, err = errno;
  if (!ok)
    out.fail("writing " + out.temp_path() + " failed: " +
             (err ? std::strerror(err) : "zlib error") + " (disk full?)");
  out.commit();
}

}  // namespace tenet::data
