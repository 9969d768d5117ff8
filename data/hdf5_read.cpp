// load_h5: every check happens before the data is read, so that a hostile or damaged file is
// refused with data.format instead of crashing or allocating what it declares.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "data/format_error.hpp"
#include "data/hdf5_guard.hpp"
#include "core/base/atomic_file.hpp"
#include "data/hdf5_common.hpp"
#include <tenet/data/hdf5_io.hpp>

namespace tenet::data {

namespace {

using detail::bytes_str;
using detail::H5Id;

using detail::kMaxDeflateRatio;
using detail::kMaxRank;

[[noreturn]] void refuse(const std::string& path, std::string summary, std::string expected,
                         std::string actual, std::string cause, std::string fix = "") {
  detail::format_error(path, "HDF5 file", {std::move(summary), std::move(expected),
                                           std::move(actual), std::move(cause), std::move(fix)});
}

const char* link_kind(H5L_type_t t) {
  return t == H5L_TYPE_SOFT ? "a soft link" : t == H5L_TYPE_EXTERNAL ? "an external link"
                                                                     : "a user-defined link";
}

// The dtype of a dataset from its class, size and sign, or a refusal naming what it holds.
DType dataset_dtype(hid_t set, const std::string& path, const std::string& name) {
  H5Id type(H5Dget_type(set), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  const bool is_signed = cls == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2;
  if (cls == H5T_FLOAT && size == 4) return DType::f32;
  if (cls == H5T_FLOAT && size == 8) return DType::f64;
  if (cls == H5T_INTEGER && size == 1 && !is_signed) return DType::u8;
  if (cls == H5T_INTEGER && size == 4 && is_signed) return DType::i32;
  if (cls == H5T_INTEGER && size == 8 && is_signed) return DType::i64;
  const char* what = cls == H5T_STRING ? "string" : cls == H5T_COMPOUND ? "compound"
      : cls == H5T_INTEGER ? (is_signed ? "signed integer" : "unsigned integer")
      : cls == H5T_FLOAT ? "float" : cls == H5T_ENUM ? "enum" : "non-numeric";
  refuse(path, "dataset '" + name + "' has an unsupported dtype",
         "float32, float64, uint8, int32 or int64",
         std::string(what) + " of " + std::to_string(size) + " bytes",
         "tenet tensors hold only those five dtypes",
         "convert '" + name + "' to one of them when writing the file (e.g. with h5py: "
         "f['" + name + "'][...].astype('float32'))");
}

Shape dataset_shape(hid_t set, const std::string& path, const std::string& name) {
  H5Id space(H5Dget_space(set), H5Sclose);
  if (H5Sget_simple_extent_type(space.get()) == H5S_NULL)
    refuse(path, "dataset '" + name + "' holds no dataspace", "an array", "a null dataspace",
           "the dataset was created without data");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > kMaxRank)
    refuse(path, "dataset '" + name + "' has too many axes", "rank 0.." + std::to_string(kMaxRank),
           "rank " + std::to_string(rank), "tenet reads arrays of at most 8 axes");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(std::vector<std::int64_t>(dims.begin(), dims.end()));
}

// Refuses external/virtual storage and a declared size the file cannot hold.
void check_storage(hid_t set, const Shape& shape, DType t, const std::string& path,
                   const std::string& name, unsigned long long file_size) {
  H5Id dcpl(H5Dget_create_plist(set), H5Pclose);
  if (H5Pget_external_count(dcpl.get()) > 0 || H5Pget_layout(dcpl.get()) == H5D_VIRTUAL)
    refuse(path, "dataset '" + name + "' keeps its data outside the file",
           "data stored in the file itself", "external or virtual storage",
           "tenet never reads files that a data file points to",
           "copy the data into the file (e.g. h5repack) before loading");
  const bool filtered = H5Pget_nfilters(dcpl.get()) > 0;
  const unsigned long long limit = file_size * (filtered ? kMaxDeflateRatio : 1);
  const unsigned long long bytes = detail::declared_bytes(shape, t, limit);
  if (bytes > limit)
    refuse(path, "dataset '" + name + "' declares more data than the file holds",
           "at most " + bytes_str(limit) + (filtered ? " (compressed " : " (a ") +
               bytes_str(file_size) + " file)",
           shape.str() + " " + dtype_name(t) + " = more than the limit",
           "the dataset's header is corrupt or hostile, or the file was truncated");
  // Contiguous and compact data must fill exactly the shape: HDF5 1.10 itself reads past its
  // buffers when a corrupt layout message disagrees with the dataspace.
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) return;
  const unsigned long long stored = H5Dget_storage_size(set);
  const haddr_t offset = layout == H5D_CONTIGUOUS ? H5Dget_offset(set) : HADDR_UNDEF;
  const bool outside = offset != HADDR_UNDEF && (offset > file_size || stored > file_size - offset);
  // Unallocated contiguous storage (0 bytes) reads as fill values; compact data always exists.
  if ((stored != bytes && (stored != 0 || layout == H5D_COMPACT)) || outside)
    refuse(path, "dataset '" + name + "' has storage that does not match its shape",
           bytes_str(bytes) + " for " + shape.str() + " " + dtype_name(t) + " inside the file",
           bytes_str(stored) + (outside ? " at offset " + std::to_string(offset) +
                                              ", past the end of the " + bytes_str(file_size) + " file"
                                        : " stored"),
           "the file is corrupt or truncated");
}

Tensor read_dataset(hid_t file, const std::string& name, const std::string& path,
                    unsigned long long file_size) {
  H5Id set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.ok())
    refuse(path, "dataset '" + name + "' cannot be opened", "a readable dataset",
           detail::hdf5_error_text(), "the file is corrupt");
  const DType t = dataset_dtype(set.get(), path, name);
  const Shape shape = dataset_shape(set.get(), path, name);
  check_storage(set.get(), shape, t, path, name, file_size);
  Tensor out = Tensor::empty(shape, t);
  if (out.numel() > 0 && H5Dread(set.get(), detail::h5_memory_type(t), H5S_ALL, H5S_ALL,
                                 H5P_DEFAULT, out.raw_data()) < 0)
    detail::dataset_read_failed(path, "HDF5 file", name, out.nbytes(), "");
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "no datasets" : s;
}

std::map<std::string, Tensor> load(const std::string& path, const std::vector<std::string>* names) {
  detail::silence_hdf5();
  std::error_code ec;
  detail::require_regular_file(path);
  const unsigned long long file_size = std::filesystem::file_size(path, ec);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    refuse(path, "not an HDF5 file", "the HDF5 signature 0x89 'HDF' 0x0d 0x0a 0x1a 0x0a",
           detail::first_bytes(path), "the file is of another format (npz? IDX? text?) or is damaged");
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok())
    refuse(path, "HDF5 cannot open it", "a complete HDF5 file of " + bytes_str(file_size),
           detail::hdf5_error_text(), "the file is truncated or corrupt");
  const detail::HardLinkWalk links = detail::walk_hard_links(file.get());
  struct {
    std::vector<std::string> datasets;
    std::string bad_link;
    H5L_type_t bad_type;
  } walk{{}, links.bad_link, links.bad_type};
  for (const auto& [name, type] : links.objects)
    if (type == H5O_TYPE_DATASET) walk.datasets.push_back(name);
  if (!links.ok)
    refuse(path, "its groups cannot be listed", "a readable group tree",
           detail::hdf5_error_text(), "the file is corrupt");
  if (!walk.bad_link.empty())
    refuse(path, "'" + walk.bad_link + "' is " + link_kind(walk.bad_type),
           "datasets stored in the file (hard links only)", link_kind(walk.bad_type),
           "tenet never follows links, so that a data file cannot make it read other objects "
           "or files", "store the array itself under that name");
  std::map<std::string, Tensor> out;
  const std::vector<std::string>& wanted = names ? *names : walk.datasets;
  for (const auto& name : wanted) {
    if (std::find(walk.datasets.begin(), walk.datasets.end(), name) == walk.datasets.end())
      refuse(path, "no dataset named '" + name + "'", "a dataset '" + name + "'",
             "the file holds: " + join(walk.datasets), "the name is misspelt or the file is "
             "another one", "load one of: " + join(walk.datasets));
    out[name] = read_dataset(file.get(), name, path, file_size);
  }
  return out;
}

// The arrays as the reading process sends them back.
void put_arrays(const std::string& path, const std::vector<std::string>* names,
                detail::WireOut& out) {
  const auto arrays = load(path, names);
  std::size_t bytes = 64;
  for (const auto& [name, t] : arrays) bytes += 128 + name.size() + t.nbytes();
  out.bytes.reserve(bytes);
  out.u64(arrays.size());
  for (const auto& [name, t] : arrays) out.str(name), out.tensor(t);
}

// The read runs in a separate process (data/hdf5_guard.hpp), which sends the arrays back.
std::map<std::string, Tensor> load_guarded(const std::string& path,
                                           const std::vector<std::string>* names) {
  detail::HelperRead helper{"load_h5", {names ? "names" : "all"}};
  if (names) helper.args.insert(helper.args.end(), names->begin(), names->end());
  detail::WireIn in = detail::read_in_child(
      path, "HDF5 data set", [&](detail::WireOut& out) { put_arrays(path, names, out); }, &helper);
  std::map<std::string, Tensor> arrays;
  for (std::uint64_t n = in.u64(), i = 0; i < n; ++i) {
    std::string name = in.str();
    arrays[std::move(name)] = in.tensor();
  }
  in.finish();
  if (names)
    for (const auto& name : *names)
      if (!arrays.count(name)) in.fail("no array '" + name + "', which was asked for");
  return arrays;
}

}  // namespace

void detail::helper_read_h5(const std::string& path, const std::vector<std::string>& args,
                            WireOut& out) {
  if (args.empty() || (args[0] != "all" && args[0] != "names"))
    throw std::runtime_error("tenet-h5-reader: load_h5 takes 'all' or 'names' and the names");
  const std::vector<std::string> names(args.begin() + 1, args.end());
  put_arrays(path, args[0] == "names" ? &names : nullptr, out);
}

std::map<std::string, Tensor> load_h5(const std::string& path) {
  files::check_no_nul("load_h5", path, false);  // here: the reading process cannot raise it
  return load_guarded(path, nullptr);
}

std::map<std::string, Tensor> load_h5(const std::string& path,
                                      const std::vector<std::string>& names) {
  files::check_no_nul("load_h5", path, false);
  return load_guarded(path, &names);
}

void check_same_length(const std::map<std::string, Tensor>& arrays, const std::string& path) {
  const std::pair<const std::string, Tensor>* first = nullptr;
  for (const auto& entry : arrays) {
    const auto& [name, t] = entry;
    if (t.rank() == 0) continue;
    if (!first) { first = &entry; continue; }
    const std::int64_t a = first->second.dim(0), b = t.dim(0);
    if (a != b)
      refuse(path, "arrays disagree in length",
             "'" + name + "' with " + std::to_string(a) + " samples, like '" + first->first + "'",
             "'" + name + "' has " + std::to_string(b) + " samples",
             "'" + first->first + "' holds " + std::to_string(a) + " samples but '" + name +
                 "' holds " + std::to_string(b) + "; axis 0 counts samples." +
                 checks::sample_count_note({first->second.shape(), t.shape()}),
             "slice both to the same length, or fix the code that wrote " + path);
  }
}

}  // namespace tenet::data
