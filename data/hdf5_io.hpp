#pragma once
// Named arrays in HDF5 files: data::save_h5("set.h5", {{"x", x}, {"y", y}}) and
// data::load_h5("set.h5"). Dtypes float32, float64, uint8, int32, int64; rank 0..8.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data {

using NamedArrays = std::vector<std::pair<std::string, Tensor>>;

// Writes the arrays as datasets of one HDF5 file, in order ("a/b" creates group "a").
// Refused with options.invalid, before anything is written: an empty Tensor(), an array of
// rank above 8 (load_h5 could not read it back), an empty name,
// a name given twice, a name with an empty, '.' or '..' part ("a//b", "/a", "a/../b"), a name
// that is also another array's group ("a" with "a/b"), and a `path` that is a directory,
// device, FIFO or socket. Atomic (core/base/atomic_file.hpp): the file is written beside `path`
// (beside the file a symlink names) under a unique temporary name, flushed, fsync'ed and
// renamed, so a crash never leaves a half-written `path`; threads and processes may save one
// path at once. A write failure raises IOError and leaves no temporary file.
void save_h5(const std::string& path, const NamedArrays& arrays);

// Reads every dataset of the file (or only `names`) by its path ("x", "a/b"). Refused with
// data.format naming the file: a file that is not HDF5 or is truncated, a dtype other than the
// five above (strings, compounds, uint16, ...), rank above 8, a dataset declaring more data
// than the file can hold, soft and external links, external storage. A missing file raises
// IOError. HDF5's own error printing is switched off; its failures become these errors.
std::map<std::string, Tensor> load_h5(const std::string& path);
std::map<std::string, Tensor> load_h5(const std::string& path,
                                      const std::vector<std::string>& names);

// Where HDF5 files are read (load_h5, Model::load_weights): in a separate process by default,
// so that a corrupt file that crashes or hangs libhdf5 is refused with data.format instead of
// taking the program down (docs/data.md, "How HDF5 files are read"). in_process reads in the
// calling process: faster for many small files, the same arrays and the same errors, but a
// file that crashes libhdf5 then crashes the program. from_environment (the default) reads
// TENET_HDF5_ISOLATION: unset or "process" -> child_process, "in_process" -> in_process; any
// other value is refused with options.invalid at the next read.
enum class Isolation { from_environment, child_process, in_process };
void set_hdf5_isolation(Isolation mode);
// The isolation in effect (options.invalid for a bad TENET_HDF5_ISOLATION).
Isolation hdf5_isolation();

// Raises data.format when the arrays (e.g. x and y) disagree in their first axis, naming both
// arrays, both lengths and the file.
void check_same_length(const std::map<std::string, Tensor>& arrays, const std::string& path);

}  // namespace tenet::data
