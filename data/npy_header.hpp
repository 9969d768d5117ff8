#pragma once
// The header of a .npy file, parsed and checked (internal to data/: npy.cpp, npz.cpp).
#include <cstddef>
#include <string>

#include <tenet/core/base/dtype.hpp>
#include <tenet/core/base/shape.hpp>
#include <tenet/core/tensor/tensor.hpp>

namespace tenet::data::detail {

struct NpyHeader {
  DType dtype = DType::f32;
  bool swap = false;      // stored in the other byte order than the host's
  bool fortran = false;   // column-major data
  Shape shape;
  std::size_t data_offset = 0;          // where the array's bytes start
  unsigned long long data_bytes = 0;    // how many the shape and dtype declare
};

// The prefix a header needs before its length is known (magic, version, length field).
inline constexpr std::size_t kNpyPreamble = 12;

// Parses the header at the start of `bytes` (`size` of them, the whole file or at least the
// header); `file_size` is the whole file's, against which the declared data is checked exactly.
// Raises data.format naming `file` for any field that is not as NumPy writes it.
NpyHeader parse_npy_header(const unsigned char* bytes, std::size_t size,
                           unsigned long long file_size, const std::string& file);

// After the raw bytes are in `t` (shape as declared): to host byte order and row-major order.
void npy_to_host_order(Tensor& t, const NpyHeader& h);

}  // namespace tenet::data::detail
