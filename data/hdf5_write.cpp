// save_h5: named arrays to one HDF5 file, written atomically (temp file, flush, fsync, rename).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"
#include "data/hdf5_io.hpp"

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

// Every HDF5 entry point of tenet calls this before its first HDF5 call. libhdf5 normally
// installs an exit handler (H5_term_library) that tears all of its state down when the
// program ends. Fuzzing found corrupt files after which that teardown crashes (SIGSEGV in
// H5SL_search under H5G_close, with the file long refused or loaded), so the program would
// crash at its very end. tenet's readers now hand files to libhdf5 only in a child process
// (hdf5_guard.hpp), but a read in the process itself (TENET_HDF5_IN_PROCESS=1, the fuzzers) can
// still do this. tenet asks libhdf5 not to install its handler, before the library starts (no
// effect if the program used HDF5 first), and installs at_exit instead: the same teardown
// (H5close), unless this process has refused a corrupt data file; then it only flushes the
// files still open and leaves the rest of libhdf5's state to go with the process.
void silence_hdf5() {
  static const bool exit_handler_set = [] {
    H5dont_atexit();
    std::atexit(at_exit);
    return true;
  }();
  (void)exit_handler_set;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

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

}  // namespace detail

namespace {

using detail::H5Id;

[[noreturn]] void write_failed(const std::string& path, const std::string& what) {
  throw IOError("tenet: cannot write " + path + ": " + what + " (" + detail::hdf5_error_text() +
                ")");
}

void write_one(hid_t file, hid_t lcpl, const std::string& name, const Tensor& t,
               const std::string& path) {
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  H5Id space(t.rank() == 0 ? H5Screate(H5S_SCALAR)
                           : H5Screate_simple(t.rank(), dims.data(), nullptr), H5Sclose);
  if (!space.ok()) write_failed(path, "dataspace for '" + name + "'");
  H5Id dcpl(detail::checksummed_dcpl(dims, dtype_size(t.dtype())), H5Pclose);  // Fletcher-32
  H5Id set(H5Dcreate2(file, name.c_str(), detail::h5_file_type(t.dtype()), space.get(), lcpl,
                      dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!dcpl.ok() || !set.ok()) write_failed(path, "dataset '" + name + "'");
  if (t.numel() > 0 && H5Dwrite(set.get(), detail::h5_memory_type(t.dtype()), H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, t.raw_data()) < 0)
    write_failed(path, "data of '" + name + "'");
}

void write_file(const std::string& tmp, const NamedArrays& arrays) {
  H5Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) write_failed(tmp, "cannot create the file (directory missing or read-only?)");
  H5Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  for (const auto& [name, t] : arrays) write_one(file.get(), lcpl.get(), name, t, tmp);
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) write_failed(tmp, "flush");
  if (file.close() < 0) write_failed(tmp, "close");
}

void fsync_path(const std::string& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0 && !directory) throw IOError("tenet: fsync failed on " + p + " (disk full?)");
}

}  // namespace

void save_h5(const std::string& path, const NamedArrays& arrays) {
  detail::silence_hdf5();
  std::set<std::string> seen;
  for (const auto& [name, t] : arrays) {
    if (!t.defined()) internal_error("save_h5: array '" + name + "' is an undefined tensor");
    if (name.empty() || !seen.insert(name).second)
      throw IOError("tenet: cannot write " + path + ": array name '" + name +
                    "' is empty or given twice; give each array its own name");
  }
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  try {
    write_file(tmp, arrays);
    fsync_path(tmp, false);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw IOError("tenet: cannot rename " + tmp + " to " + path + ": " + ec.message());
    const fs::path dir = fs::path(path).parent_path();
    fsync_path(dir.empty() ? "." : dir.string(), true);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace tenet::data
