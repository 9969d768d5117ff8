#include "data/hdf5_common.hpp"

#include <cstdio>
#include <fstream>

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

HardLinkWalk walk_hard_links(hid_t file) {
  HardLinkWalk w;
  w.ok = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &w) >= 0;
  return w;
}

}  // namespace tenet::data::detail
