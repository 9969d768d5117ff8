#include "data/hdf5_common.hpp"

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

HardLinkWalk walk_hard_links(hid_t file) {
  HardLinkWalk w;
  w.ok = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &w) >= 0;
  return w;
}

}  // namespace tenet::data::detail
