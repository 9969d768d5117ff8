// .npy files: the header (npy_header.cpp), then the raw data, converted to the host's byte
// order and to row-major order.
#include <tenet/data/npy.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "data/format_error.hpp"
#include "data/npy_header.hpp"

namespace tenet::data {

namespace detail {

namespace {

void swap_bytes(unsigned char* p, std::int64_t count, std::size_t width) {
  for (std::int64_t i = 0; i < count; ++i, p += width) std::reverse(p, p + width);
}

// Column-major (NumPy's fortran_order) to row-major: element (i0, ..., in-1) sits at
// i0 + d0 * (i1 + d1 * (...)) in `from`.
void fortran_to_row_major(const unsigned char* from, unsigned char* to, const Shape& shape,
                          std::size_t width) {
  const int rank = shape.rank();
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0), stride(static_cast<std::size_t>(rank), 1);
  for (int a = 1; a < rank; ++a) stride[a] = stride[a - 1] * shape[a - 1];
  const std::int64_t n = shape.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t source = 0;
    for (int a = 0; a < rank; ++a) source += index[a] * stride[a];
    std::memcpy(to + static_cast<std::size_t>(i) * width, from + static_cast<std::size_t>(source) * width, width);
    for (int a = rank - 1; a >= 0 && ++index[a] == shape[a]; --a) index[a] = 0;  // row-major next
  }
}

}  // namespace

void npy_to_host_order(Tensor& t, const NpyHeader& h) {
  const std::size_t width = dtype_size(h.dtype);
  auto* p = static_cast<unsigned char*>(t.raw_data());
  if (h.swap) swap_bytes(p, t.numel(), width);
  if (h.fortran && t.rank() > 1 && t.numel() > 0) {
    std::vector<unsigned char> copy(p, p + h.data_bytes);
    fortran_to_row_major(copy.data(), p, h.shape, width);
  }
}

}  // namespace detail

Tensor parse_npy(const unsigned char* bytes, std::size_t size, const std::string& file) {
  const detail::NpyHeader h = detail::parse_npy_header(bytes, size, size, file);
  Tensor t = Tensor::empty(h.shape, h.dtype);
  if (h.data_bytes) std::memcpy(t.raw_data(), bytes + h.data_offset, h.data_bytes);
  detail::npy_to_host_order(t, h);
  return t;
}

Tensor read_npy(const std::string& path) {
  detail::require_regular_file(path, "no such file", "check the path of the .npy file");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  struct stat st {};
  if (!f || fstat(fileno(f.get()), &st) != 0) detail::io_error(path, std::strerror(errno));
  const auto file_size = static_cast<unsigned long long>(st.st_size);
  // The header is at most 64 KiB and a few bytes: read that much, parse, then the data.
  std::vector<unsigned char> head(static_cast<std::size_t>(std::min<unsigned long long>(file_size, 65536 + 16)));
  if (std::fread(head.data(), 1, head.size(), f.get()) != head.size())
    detail::io_error(path, "the file could not be read to its end");
  const detail::NpyHeader h = detail::parse_npy_header(head.data(), head.size(), file_size, path);
  Tensor t = Tensor::empty(h.shape, h.dtype);
  if (std::fseek(f.get(), static_cast<long>(h.data_offset), SEEK_SET) != 0 ||
      std::fread(t.raw_data(), 1, h.data_bytes, f.get()) != h.data_bytes)
    detail::io_error(path, "the file changed or could not be read while it was read");
  detail::npy_to_host_order(t, h);
  return t;
}

}  // namespace tenet::data
