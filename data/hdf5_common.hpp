#pragma once
// Shared by hdf5_read.cpp, hdf5_write.cpp and checkpoint*.cpp (internal to data/): RAII for HDF5 ids, dtype
// mapping, and HDF5's error stack turned into text.
#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

#include "core/dtype.hpp"

namespace tenet::data::detail {

// Owns an HDF5 id and closes it with `close` (H5Fclose, H5Dclose, ...).
class H5Id {
 public:
  H5Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5Id() { if (id_ >= 0) close_(id_); }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  herr_t close() { herr_t r = id_ >= 0 ? close_(id_) : 0; id_ = -1; return r; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Turns off HDF5's automatic error printing (tenet reports errors itself); the first call in a
// process also replaces libhdf5's exit handler (hdf5_write.cpp says why). Called before every
// HDF5 read or write.
void silence_hdf5();
// The innermost message on HDF5's error stack, e.g. "truncated file: eof = 1024, ...".
std::string hdf5_error_text();

// Every object under the root, in name order, with its type; the walk stops at the first link
// that is not a hard link (tenet never follows soft or external links). `ok` is false when
// HDF5 cannot list the tree.
struct HardLinkWalk {
  std::vector<std::pair<std::string, H5O_type_t>> objects;
  std::string bad_link;
  H5L_type_t bad_type = H5L_TYPE_HARD;
  bool ok = true;
};
HardLinkWalk walk_hard_links(hid_t file);

// "first bytes 0x89 0x48 ..." (up to 8) or "an empty file (0 bytes)": what a refused file starts with.
std::string first_bytes(const std::string& path);

// A new dataset creation property list for an array of `dims` (`element_size` bytes each):
// chunked (whole arrays up to 1 MiB; larger ones split along their first axes into chunks of at
// most 1 MiB) with HDF5's Fletcher-32 checksum filter, so that reading data whose bytes changed
// fails. Scalars and empty arrays cannot be chunked: they get HDF5's default (contiguous, no
// checksum). The caller closes the list (H5Pclose).
hid_t checksummed_dcpl(const std::vector<hsize_t>& dims, std::size_t element_size);

// Refuses a dataset whose H5Dread failed (data.format naming `file` and dataset `name`): a
// failed Fletcher-32 checksum is said so; other failures quote HDF5's message. `kind` and `fix`
// as in format_error (format_error.hpp).
[[noreturn]] void dataset_read_failed(const std::string& file, const std::string& kind,
                                      const std::string& name, unsigned long long bytes,
                                      const std::string& fix);

hid_t h5_file_type(DType t);    // little-endian storage type
hid_t h5_memory_type(DType t);  // native type

}  // namespace tenet::data::detail
