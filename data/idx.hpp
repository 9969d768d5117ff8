#pragma once
// IDX files (the format of MNIST and Fashion-MNIST), plain or gzip-compressed.
// Layout: 0x00 0x00 <type> <rank>, then `rank` big-endian uint32 dimensions, then the
// elements in row-major order. tenet reads and writes element type 0x08 (unsigned byte).
#include <string>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data {

// Reads an IDX file (gzip or plain: a file starting 0x1f 0x8b is gzip) into a uint8 tensor of
// the declared shape. Every header field and the exact byte count are checked: a bad magic
// number, an element type other than 0x08, a rank other than `expected_rank` (when >= 0), a
// file that ends early or holds bytes after the data all raise ContractError `data.format`
// (phase load) naming the file, what was found and what was expected. A gzip file is checked
// to its end, member by member (data/byte_source.hpp): a bad header, corrupt deflate data, a
// truncated stream or trailer, a CRC-32 or ISIZE mismatch and bytes after the last member are
// data.format naming the check ("gzip check failed: CRC-32 mismatch in member 1"). Several
// gzip members one after the other (`cat a.gz b.gz`) are one valid file. The header size is
// checked against the file before any allocation. A missing or unreadable file raises IOError.
Tensor read_idx(const std::string& path, int expected_rank = -1);

// Writes a uint8 tensor (rank 1..255) as IDX; gzip-compressed when `path` ends in ".gz".
// Other dtypes raise input.dtype, an empty Tensor() options.invalid, and so does an axis
// longer than 4294967295 (IDX stores 32-bit sizes). Written atomically
// through a temporary file of its own (core/base/atomic_file.hpp says what `path` may be: never a
// device, FIFO, socket or directory; symlinks are written through); a user's "<path>.tmp" is
// never touched. A write failure raises IOError and leaves no temporary file.
void write_idx(const std::string& path, const Tensor& values);

// Reads an images file and a labels file and checks that they hold the same number of samples
// (data.format naming both files and both counts otherwise).
struct IdxPair {
  Tensor images;  // uint8 (N, ...)
  Tensor labels;  // uint8 (N,)
};
IdxPair read_idx_pair(const std::string& images_path, const std::string& labels_path,
                      int images_rank = -1);

}  // namespace tenet::data
