#pragma once
// Shared by hdf5_read.cpp, hdf5_write.cpp and checkpoint*.cpp (internal to data/): RAII for HDF5 ids, dtype
// mapping, HDF5's error stack turned into text, and the atomic HDF5 writer.
#include <hdf5.h>

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/shape.hpp>

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

// Turns off HDF5's automatic error printing for this thread (tenet reports errors itself).
// Called before every HDF5 read or write.
void silence_hdf5();
// Before a read of an untrusted file in this process (data/hdf5_guard.hpp): replaces libhdf5's
// exit handler when libhdf5 has not started yet (hdf5_write.cpp says why). A program whose
// HDF5 files are read in a separate process keeps libhdf5's own handler.
void guard_hdf5_exit();

// The most axes an array may have: load_h5 reads ranks 0..8, and save_h5 writes no other.
inline constexpr int kMaxRank = 8;
// Deflate never expands data beyond this ratio: the most a compressed dataset can declare per
// byte of the file.
inline constexpr unsigned long long kMaxDeflateRatio = 1032;
// The bytes a dataset of `shape` and `dtype` declares, or limit + 1 once they pass `limit`
// (multiplied without overflow, whatever a corrupt header says): every reader compares a
// declared size with what the file can hold before it allocates.
unsigned long long declared_bytes(const Shape& shape, DType dtype, unsigned long long limit);
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
// fails. Scalars cannot be chunked: they are compact, their value inside the dataset's object
// header, which the file format (HDF5 1.10's, see hdf5_write.cpp) checksums. Empty arrays hold
// no value and get HDF5's default. The caller closes the list (H5Pclose).
hid_t checksummed_dcpl(const std::vector<hsize_t>& dims, std::size_t element_size);

// Refuses a dataset whose H5Dread failed (data.format naming `file` and dataset `name`): a
// failed Fletcher-32 checksum is said so; other failures quote HDF5's message. `kind` and `fix`
// as in format_error (format_error.hpp).
[[noreturn]] void dataset_read_failed(const std::string& file, const std::string& kind,
                                      const std::string& name, unsigned long long bytes,
                                      const std::string& fix);

hid_t h5_file_type(DType t);    // little-endian storage type
hid_t h5_memory_type(DType t);  // native type

// Held around every HDF5 call of tenet's writers, so one file is written by one thread at a
// time (libhdf5 is built thread-safe on the supported platforms; this also covers one that is
// not). Every fork() of the process waits for it (pthread_atfork, registered at the first
// call), so a child never starts while a thread is inside libhdf5 holding its lock.
std::mutex& hdf5_mutex();

// IOError "tenet: cannot write <path>: <what> (<HDF5's innermost message>)".
[[noreturn]] void hdf5_write_failed(const std::string& path, const std::string& what);

// Writes an HDF5 file through an AtomicFile (core/base/atomic_file.hpp: what `path` may be, the
// temporary file, concurrency): `fill` writes into the new temporary file under hdf5_mutex();
// the file is flushed, closed, fsync'ed and renamed over `path`. On any failure the temporary
// file is removed, IOError names `path`, and a previous file at `path` is untouched. `writer`
// names the caller in errors ("save_weights", "save_h5").
void write_h5_atomically(const std::string& path, const std::string& writer,
                         const std::function<void(hid_t file)>& fill);

}  // namespace tenet::data::detail
