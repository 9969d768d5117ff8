#include "data/hdf5_common.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "data/format_error.hpp"

namespace tenet::data::detail {

namespace {
herr_t visit(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto* w = static_cast<HardLinkWalk*>(data);
  if (info->type != H5L_TYPE_HARD) {
    w->bad_link = name;
    w->bad_type = info->type;
    return 1;  // stop: links are never followed
  }
  H5O_info_t oi;
  if (H5Oget_info_by_name2(group, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
  w->objects.emplace_back(name, oi.type);
  return 0;
}
}  // namespace

std::string first_bytes(const std::string& path) {
  unsigned char b[8] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(b), 8);
  std::string s;
  for (std::streamsize i = 0; i < in.gcount(); ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%s0x%02x", i ? " " : "", b[i]);
    s += buf;
  }
  return s.empty() ? "an empty file (0 bytes)" : "first bytes " + s;
}

hid_t checksummed_dcpl(const std::vector<hsize_t>& dims, std::size_t element_size) {
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  constexpr hsize_t kMaxChunkBytes = 1u << 20;
  std::vector<hsize_t> chunk = dims;
  hsize_t bytes = element_size;
  for (hsize_t d : dims) bytes *= d;
  if (dcpl < 0 || bytes == 0) return dcpl;
  // A scalar (an optimizer's iteration count, its learning rate) is too small to chunk: its
  // value is stored inside the dataset's object header, whose checksum then covers it too.
  if (dims.empty()) {
    if (H5Pset_layout(dcpl, H5D_COMPACT) >= 0) return dcpl;
    H5Pclose(dcpl);
    return -1;
  }
  // Split the outer axes first: chunk[i] rows of what lies inside axis i.
  for (std::size_t i = 0; i < chunk.size() && bytes > kMaxChunkBytes; ++i) {
    const hsize_t inner = bytes / chunk[i];
    chunk[i] = std::max<hsize_t>(1, kMaxChunkBytes / inner);
    bytes = inner * chunk[i];
  }
  if (H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()) < 0 ||
      H5Pset_fletcher32(dcpl) < 0) {
    H5Pclose(dcpl);
    return -1;
  }
  return dcpl;
}

void dataset_read_failed(const std::string& file, const std::string& kind,
                         const std::string& name, unsigned long long bytes,
                         const std::string& fix) {
  const std::string text = hdf5_error_text();
  if (text.find("Fletcher32") != std::string::npos)
    format_error(file, kind, {"checksum failed: dataset '" + name + "' is corrupt",
        bytes_str(bytes) + " of data matching the Fletcher-32 checksum stored with it",
        "data that does not match it (HDF5: " + text + ")",
        "bytes of the dataset changed after the file was written (a disk, memory or transfer "
        "error, or an edit)", fix});
  format_error(file, kind, {"dataset '" + name + "' cannot be read", bytes_str(bytes) + " of data",
                            text, "the file is truncated or corrupt", fix});
}

HardLinkWalk walk_hard_links(hid_t file) {
  HardLinkWalk w;
  w.ok = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &w) >= 0;
  return w;
}

unsigned long long declared_bytes(const Shape& shape, DType dtype, unsigned long long limit) {
  unsigned long long bytes = dtype_size(dtype);
  for (auto d : shape)  // an axis of 0 holds nothing, however large the others (or the limit)
    if (d <= 0) return 0;
  for (auto d : shape) {
    if (bytes > limit / static_cast<unsigned long long>(d)) return limit + 1;
    bytes *= static_cast<unsigned long long>(d);
  }
  return bytes;
}

}  // namespace tenet::data::detail
