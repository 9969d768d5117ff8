// save_h5: named arrays to one HDF5 file, written atomically (core/base/atomic_file.hpp); libhdf5's
// exit handler; the atomic HDF5 writer shared with Model::save_weights.
#include <pthread.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/base/error.hpp>
#include "core/base/atomic_file.hpp"
#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"
#include <tenet/data/hdf5_io.hpp>

namespace tenet::data {

namespace detail {

namespace {
// Writes out every HDF5 file whose file id is still open, and nothing else.
void flush_open_hdf5_files() {
  const ssize_t count = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE);
  if (count <= 0) return;
  std::vector<hid_t> ids(static_cast<std::size_t>(count));
  const ssize_t got = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_FILE, ids.size(), ids.data());
  for (ssize_t i = 0; i < got; ++i) H5Fflush(ids[static_cast<std::size_t>(i)], H5F_SCOPE_LOCAL);
}

// Run at the program's exit instead of libhdf5's own handler (see silence_hdf5).
void at_exit() {
  if (!refused_data_file()) {
    H5close();  // what libhdf5's handler does: close everything, tear the library down
    return;
  }
  flush_open_hdf5_files();
}
}  // namespace

// libhdf5 normally installs an exit handler (H5_term_library) that tears all of its state down
// when the program ends. Fuzzing found corrupt files after which that teardown crashes
// (SIGSEGV in H5SL_search under H5G_close, with the file long refused or loaded), so a process
// that read such a file itself would crash at its very end. tenet's readers hand files to
// libhdf5 in a separate process (hdf5_guard.hpp) and then leave libhdf5's handler alone; a read
// in the process itself (in-process isolation: the fuzzers, or a program that chose it) first
// calls this. If libhdf5 has not started yet (H5dont_atexit fails once it has), tenet asks it
// not to install its handler and installs at_exit instead: the same teardown (H5close), unless
// this process has refused a corrupt data file; then it only flushes the files still open and
// leaves the rest of libhdf5's state to go with the process.
void guard_hdf5_exit() {
  static const bool exit_handler_set = [] {
    if (H5dont_atexit() < 0) return false;  // libhdf5 started already: its handler stays
    std::atexit(at_exit);
    return true;
  }();
  (void)exit_handler_set;
}

void silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

static herr_t keep_innermost(unsigned, const H5E_error2_t* e, void* out) {
  if (e && e->desc && *e->desc) *static_cast<std::string*>(out) = e->desc;
  return 0;
}

std::string hdf5_error_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_innermost, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? "no detail from HDF5" : text;
}

hid_t h5_file_type(DType t) {
  switch (t) {
    case DType::f32: return H5T_IEEE_F32LE;
    case DType::f64: return H5T_IEEE_F64LE;
    case DType::u8: return H5T_STD_U8LE;
    case DType::i32: return H5T_STD_I32LE;
    case DType::i64: return H5T_STD_I64LE;
  }
  return -1;
}

hid_t h5_memory_type(DType t) {
  switch (t) {
    case DType::f32: return H5T_NATIVE_FLOAT;
    case DType::f64: return H5T_NATIVE_DOUBLE;
    case DType::u8: return H5T_NATIVE_UINT8;
    case DType::i32: return H5T_NATIVE_INT32;
    case DType::i64: return H5T_NATIVE_INT64;
  }
  return -1;
}

namespace {
std::mutex& writer_mutex() {
  static std::mutex m;
  return m;
}
void lock_writers() { writer_mutex().lock(); }
void unlock_writers() { writer_mutex().unlock(); }
}  // namespace

// A fork waits until no thread is writing through libhdf5: a child forked while another thread
// held libhdf5's own lock would block in its first HDF5 call forever (the HDF5 guard's reading
// child did: 3 of 200 loads beside a saving thread were refused as "stuck").
std::mutex& hdf5_mutex() {
  static const bool fork_safe = ::pthread_atfork(lock_writers, unlock_writers, unlock_writers) == 0;
  (void)fork_safe;
  return writer_mutex();
}

void hdf5_write_failed(const std::string& path, const std::string& what) {
  throw IOError("tenet: cannot write " + path + ": " + what + " (" + hdf5_error_text() + ")");
}

void write_h5_atomically(const std::string& path, const std::string& writer,
                         const std::function<void(hid_t)>& fill) {
  files::AtomicFile out(path, writer);
  {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    silence_hdf5();  // per thread: HDF5's error stack and its printing are thread-local
    // HDF5 1.10's file format: every metadata block (superblock, object headers with their
    // datatype and layout messages, chunk indexes, heaps) carries a checksum, so a flipped bit
    // in a dataset's description is refused like one in its data (Fletcher-32). h5py and Keras
    // read it (any HDF5 from 1.10, 2017).
    H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl.ok() || H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0)
      hdf5_write_failed(path, "file access properties");
    H5Id file(H5Fcreate(out.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
              H5Fclose);
    if (!file.ok()) hdf5_write_failed(path, "cannot create " + out.temp_path());
    fill(file.get());
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0)
      hdf5_write_failed(path, "flush of " + out.temp_path());
    if (file.close() < 0) hdf5_write_failed(path, "close of " + out.temp_path());
  }
  out.commit();
}

}  // namespace detail

namespace {

using detail::H5Id;

void write_one(hid_t file, hid_t lcpl, const std::string& name, const Tensor& t,
               const std::string& path) {
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  H5Id space(t.rank() == 0 ? H5Screate(H5S_SCALAR)
                           : H5Screate_simple(t.rank(), dims.data(), nullptr), H5Sclose);
  if (!space.ok()) detail::hdf5_write_failed(path, "dataspace for '" + name + "'");
  H5Id dcpl(detail::checksummed_dcpl(dims, dtype_size(t.dtype())), H5Pclose);  // Fletcher-32
  H5Id set(H5Dcreate2(file, name.c_str(), detail::h5_file_type(t.dtype()), space.get(), lcpl,
                      dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!dcpl.ok() || !set.ok()) detail::hdf5_write_failed(path, "dataset '" + name + "'");
  if (t.numel() > 0 && H5Dwrite(set.get(), detail::h5_memory_type(t.dtype()), H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, t.raw_data()) < 0)
    detail::hdf5_write_failed(path, "data of '" + name + "'");
}

// What is wrong with an array's name as an HDF5 path, or "".
std::string name_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  for (std::size_t at = 0;;) {
    const std::size_t slash = name.find('/', at);
    const std::string part = name.substr(at, slash == std::string::npos ? slash : slash - at);
    if (part.empty()) return "has an empty part (a leading, trailing or doubled '/')";
    if (part == "." || part == "..") return "has a '" + part + "' part";
    if (slash == std::string::npos) return "";
    at = slash + 1;
  }
}

[[noreturn]] void bad_name(std::size_t index, const std::string& name, const std::string& problem) {
  checks::invalid_option(
      "save_h5's array name", "\"" + name + "\" (array " + std::to_string(index) + ")",
      "a name of its own, of '/'-separated parts none of which is empty, '.' or '..'",
      Site("save_h5", "op"), Phase::run,
      "the name \"" + name + "\" of array " + std::to_string(index) + " " + problem +
          "; each array becomes the HDF5 data set of that path, which must be unique and "
          "must not be a group of another array",
      "give each array its own name, e.g. \"x\", \"y\" or \"train/x\"");
}

// load_h5 reads arrays of at most 8 axes, so a larger rank is refused before anything is
// written (libhdf5 itself takes up to 32, and failed with an IOError beyond).
void check_rank(std::size_t index, const std::string& name, const Shape& shape) {
  if (shape.rank() <= detail::kMaxRank) return;
  const std::string rank = std::to_string(shape.rank()), max = std::to_string(detail::kMaxRank);
  checks::invalid_option(
      "save_h5's array \"" + name + "\" (array " + std::to_string(index) + ")",
      "rank " + rank + " " + shape.str(), "an array of rank 0 to " + max,
      Site("save_h5", "op"), Phase::run,
      "array " + std::to_string(index) + " (\"" + name + "\") has " + rank + " axes; load_h5 "
      "reads arrays of at most " + max + " axes, so the file could never be loaded",
      "reshape \"" + name + "\" to at most " + max + " axes before saving (e.g. merge its "
      "leading axes with reshape) and back after loading");
}

// Every array holds a value and has a name of its own that is a valid HDF5 path.
void check_arrays(const NamedArrays& arrays) {
  std::map<std::string, std::size_t> index;   // name -> position
  std::map<std::string, std::string> groups;  // group path -> a name inside it
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const auto& [name, t] = arrays[i];
    if (!t.defined())
      checks::empty_handle("save_h5's array " + std::to_string(i) + " (\"" + name + "\")",
                           "Tensor", Site("save_h5", "op"), Phase::run);
    if (const std::string problem = name_problem(name); !problem.empty()) bad_name(i, name, problem);
    check_rank(i, name, t.shape());
    if (const auto [it, fresh] = index.emplace(name, i); !fresh)
      bad_name(i, name, "is also the name of array " + std::to_string(it->second));
    for (std::size_t s = name.find('/'); s != std::string::npos; s = name.find('/', s + 1))
      groups.emplace(name.substr(0, s), name);
  }
  for (const auto& [name, i] : index)
    if (const auto g = groups.find(name); g != groups.end())
      bad_name(i, name, "is also the group holding array \"" + g->second + "\"");
}

}  // namespace

void save_h5(const std::string& path, const NamedArrays& arrays) {
  check_arrays(arrays);
  detail::write_h5_atomically(path, "save_h5", [&](hid_t file) {
    H5Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    for (const auto& [name, t] : arrays) write_one(file, lcpl.get(), name, t, path);
  });
}

}  // namespace tenet::data
