#pragma once
// NumPy files: `.npy` (one array, what np.save writes) and `.npz` (a zip of .npy files, what
// np.savez and np.savez_compressed write). Read only: tenet writes HDF5 (data/hdf5_io.hpp).
//
// Every field is checked, and a file that breaks any of them raises data.format (phase load)
// naming the file (and the member of an .npz), what was found and what was expected: the magic
// string and the format version (1.0, 2.0, 3.0); the header length against the file; the header
// as the Python dict literal NumPy writes, with exactly the keys 'descr', 'fortran_order' and
// 'shape', nothing else, ending in a newline; the dtype ('descr'): float32, float64, uint8, int32,
// int64 in either byte order ('<', '>', '=' or '|'), and bool read as uint8 (0/1); any other dtype
// (float16, int16, strings, structured or object arrays, which would need unpickling) is refused
// naming it; the shape: a tuple of at most 8 non-negative integers (with a 0 among them, the
// others must still multiply to less than 2^63, as NumPy requires); the data: exactly the bytes
// the shape and dtype declare, neither fewer nor more. Big-endian data is converted to the host's
// order and Fortran-ordered data (fortran_order True) to row-major, so the tensor holds the
// values np.load would give. Sizes are checked against the file before anything is allocated.
// An .npz member's stored CRC-32 is checked, its declared size must fit the archive's
// (compressed sizes at most deflate's 1032:1 ratio, as zip bombs break), and members whose name
// does not end in ".npy" are refused. A missing or unreadable file raises IOError.
#include <cstddef>
#include <map>
#include <string>

#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data {

Tensor read_npy(const std::string& path);

// The arrays of an .npz by name, without the ".npy" of their member names ("x", "train/y").
std::map<std::string, Tensor> read_npz(const std::string& path);

// The bytes of one .npy file, already in memory; `file` names them in errors.
Tensor parse_npy(const unsigned char* bytes, std::size_t size, const std::string& file);

}  // namespace tenet::data
