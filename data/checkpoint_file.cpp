// CheckpointFile: a weights file opened for reading. Everything that can be wrong with the
// file itself becomes data.format (phase load) naming the file; nothing here crashes or
// allocates what a damaged header declares.
#include "data/checkpoint_file.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "data/checkpoint.hpp"
#include "data/format_error.hpp"

namespace tenet::data::detail {
namespace {

[[noreturn]] void refuse(const std::string& path, std::string summary, std::string expected,
                         std::string actual, std::string cause, std::string fix = "") {
  format_error(path, "weights file", {std::move(summary), std::move(expected), std::move(actual),
                                      std::move(cause), std::move(fix)});
}

unsigned long long checked_size(const std::string& path) {
  silence_hdf5();
  std::error_code ec;
  require_regular_file(path, "no such file",
                       "check the path; save_weights(\"" + path + "\") writes it");
  return std::filesystem::file_size(path, ec);
}

// A Keras model file given where weights are expected: a .keras archive is a zip (its weights
// inside), a Keras JSON architecture starts with '{' (it holds no weights). "" otherwise.
std::string keras_model_file(const std::string& path) {
  char head[4] = {};
  std::ifstream(path, std::ios::binary).read(head, sizeof head);
  if (std::string_view(head, 4) == std::string_view("PK\3\4", 4))
    return "the file is a zip archive, as a .keras model file is (its weights are inside it)";
  if (head[0] == '{') return "the file is JSON text, as a Keras architecture is (it holds no weights)";
  return "";
}

hid_t open_or_refuse(const std::string& path, unsigned long long size) {
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    const std::string keras = size == 0 ? "" : keras_model_file(path);
    refuse(path, "not an HDF5 file", "the HDF5 signature 0x89 'H' 'D' 'F' 0x0d 0x0a 0x1a 0x0a",
           first_bytes(path) + " (" + bytes_str(size) + ")",
           size == 0        ? "the file is empty: a write was interrupted, or it is not a checkpoint"
           : keras.empty()  ? "the file is of another format or is damaged"
                            : keras,
           keras.empty() ? "load a file written by save_weights (or Keras's model.save_weights)"
                         : "read a Keras model file with keras::load_model(path), which builds the "
                           "model and loads the weights it holds; load_weights reads files "
                           "written by save_weights (or Keras's model.save_weights)");
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0)
    refuse(path, "HDF5 cannot open it", "a complete HDF5 file", hdf5_error_text() + " (" +
           bytes_str(size) + ")", "the file is truncated or corrupt",
           "load an earlier checkpoint, or save the weights again");
  return f;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 9 && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

FileVar describe_dataset(hid_t file, const std::string& path, const std::string& shown) {
  FileVar v;
  v.name = shown;
  H5Id set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  H5Id type(set.ok() ? H5Dget_type(set.get()) : -1, H5Tclose);
  H5Id space(set.ok() ? H5Dget_space(set.get()) : -1, H5Sclose);
  if (!type.ok() || !space.ok()) {
    v.dtype_text = "unreadable header (" + hdf5_error_text() + ")";
    return v;
  }
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  const bool sgn = cls == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2;
  v.dtype_known = true;
  if (cls == H5T_FLOAT && size == 4) v.dtype = DType::f32;
  else if (cls == H5T_FLOAT && size == 8) v.dtype = DType::f64;
  else if (cls == H5T_INTEGER && size == 1 && !sgn) v.dtype = DType::u8;
  else if (cls == H5T_INTEGER && size == 4 && sgn) v.dtype = DType::i32;
  else if (cls == H5T_INTEGER && size == 8 && sgn) v.dtype = DType::i64;
  else v.dtype_known = false;
  v.dtype_text = v.dtype_known ? dtype_name(v.dtype)
                               : (cls == H5T_STRING ? "string" : cls == H5T_FLOAT ? "float"
                                  : cls == H5T_INTEGER ? "integer" : "non-numeric") +
                                     std::string(" of ") + std::to_string(size) + " bytes";
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) {
    v.dtype_known = false;
    v.dtype_text += ", rank " + std::to_string(rank);
    return v;
  }
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  v.shape = Shape(std::vector<std::int64_t>(dims.begin(), dims.end()));
  return v;
}

// A FileVar on the wire (put / the WireIn constructor).
void put_var(WireOut& out, const FileVar& v) {
  out.str(v.name);
  out.u64(static_cast<std::uint64_t>(v.shape.rank()));
  for (auto d : v.shape) out.u64(static_cast<std::uint64_t>(d));
  out.u64(static_cast<std::uint64_t>(v.dtype));
  out.u64(v.dtype_known);
  out.str(v.dtype_text);
}

FileVar get_var(WireIn& in) {
  FileVar v;
  v.name = in.str();
  const std::uint64_t rank = in.u64();
  if (rank > 8) in.fail("a variable of rank " + std::to_string(rank));
  std::vector<std::int64_t> dims(rank);
  for (auto& d : dims) d = static_cast<std::int64_t>(in.u64() & 0x7fffffffffffffffULL);
  v.shape = Shape(std::move(dims));
  const std::uint64_t dtype = in.u64();
  if (dtype > static_cast<std::uint64_t>(DType::i64)) in.fail("a variable of dtype code " + std::to_string(dtype));
  v.dtype = static_cast<DType>(dtype);
  v.dtype_known = in.u64() != 0;
  v.dtype_text = in.str();
  return v;
}

}  // namespace

std::string FileVar::describe(bool with_dtype) const {
  return name + " " + shape.str() + (with_dtype || !dtype_known ? " " + dtype_text : "");
}

std::string FileVars::describe() const {
  if (!problem.empty()) return problem;
  std::string s;
  for (const auto& v : vars) s += (s.empty() ? "" : ", ") + v.describe(false);
  return s.empty() ? "no variables" : s;
}

CheckpointFile::CheckpointFile(const std::string& path)
    : path_(path), size_(checked_size(path)), file_(open_or_refuse(path, size_), H5Fclose) {
  HardLinkWalk w = walk_hard_links(file_.get());
  for (const auto& [name, type] : w.objects) {
    objects_[name] = type;
    order_.push_back(name);
  }
  if (!w.ok)
    refuse(path, "its groups cannot be listed", "a readable group tree", hdf5_error_text(),
           "the file is truncated or corrupt");
  if (!w.bad_link.empty())
    refuse(path, "'" + w.bad_link + "' is a " +
                     (w.bad_type == H5L_TYPE_SOFT ? "soft" : w.bad_type == H5L_TYPE_EXTERNAL
                                                                 ? "external" : "user-defined") +
                     " link", "groups and datasets stored in the file (hard links only)",
           "a link", "tenet never follows links, so that a weights file cannot make it read "
           "other objects or files", "store the variables themselves in the file");
  if (!has_group("layers"))
    refuse(path, "it is HDF5 but not a weights file: there is no 'layers' group",
           "Keras's .weights.h5 layout: layers/<layer>/vars/0, ...",
           children("").empty() ? "an empty file tree" : "top-level: " + [&] {
             std::string s;
             for (const auto& c : children("")) s += (s.empty() ? "" : ", ") + c;
             return s;
           }(), "the file holds other data (a data set written by save_h5?)",
           "load a file written by save_weights (or Keras's model.save_weights)");
}

bool CheckpointFile::has_group(const std::string& group) const {
  auto it = objects_.find(group);
  return it != objects_.end() && it->second == H5O_TYPE_GROUP;
}

std::vector<std::string> CheckpointFile::children(const std::string& group) const {
  const std::string prefix = group.empty() ? "" : group + "/";
  std::vector<std::string> out;
  for (const auto& p : order_)
    if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
        p.find('/', prefix.size()) == std::string::npos)
      out.push_back(p.substr(prefix.size()));
  return out;
}

FileVars CheckpointFile::vars(const std::string& vars_group) const {
  if (!file_.ok()) return sent(vars_group).vars;
  FileVars out;
  std::vector<std::string> names = children(vars_group);
  for (const auto& n : names)
    if (!is_index(n) || objects_.at(vars_group + "/" + n) != H5O_TYPE_DATASET) {
      out.problem = "vars/" + n + ", which is not a variable (Keras numbers them vars/0, "
                    "vars/1, ...)";
      return out;
    }
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::stol(a) < std::stol(b);
  });
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] != std::to_string(i)) {
      out.problem = "vars/" + names[i] + " where vars/" + std::to_string(i) + " was expected";
      return out;
    }
    out.vars.push_back(describe_dataset(file_.get(), vars_group + "/" + names[i], "vars/" + names[i]));
  }
  return out;
}

std::string CheckpointFile::group_attr(const std::string& group, const char* key) const {
  const bool name = std::string_view(key) == "name";
  if (!file_.ok()) return name ? sent(group).name : sent(group).exact_learning_rate;
  if (H5Aexists_by_name(file_.get(), group.c_str(), key, H5P_DEFAULT) <= 0) return "";
  H5Id attr(H5Aopen_by_name(file_.get(), group.c_str(), key, H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
  H5Id type(attr.ok() ? H5Aget_type(attr.get()) : -1, H5Tclose);
  if (!type.ok() || H5Tget_class(type.get()) != H5T_STRING) return "";
  H5Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py and tenet write UTF-8
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(mem.get(), H5T_VARIABLE);
    char* p = nullptr;
    if (H5Aread(attr.get(), mem.get(), &p) < 0 || !p) return "";
    std::string s(p);
    H5free_memory(p);
    return s;
  }
  const std::size_t n = H5Tget_size(type.get());
  if (n == 0 || n > 4096) return "";
  std::string s(n + 1, '\0');
  H5Tset_size(mem.get(), n + 1);
  if (H5Aread(attr.get(), mem.get(), s.data()) < 0) return "";
  return s.c_str();
}

std::vector<Tensor> CheckpointFile::read(const std::string& vars_group,
                                         const std::vector<Tensor>& like) const {
  if (!file_.ok()) return sent_values(vars_group, like);
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < like.size(); ++i) {
    const std::string name = vars_group + "/" + std::to_string(i);
    H5Id set(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    H5Id dcpl(set.ok() ? H5Dget_create_plist(set.get()) : -1, H5Pclose);
    if (!dcpl.ok())
      refuse(path_, "'" + name + "' cannot be opened", "a readable dataset", hdf5_error_text(),
             "the file is corrupt");
    if (H5Pget_external_count(dcpl.get()) > 0 || H5Pget_layout(dcpl.get()) == H5D_VIRTUAL)
      refuse(path_, "'" + name + "' keeps its data outside the file", "data in the file itself",
             "external or virtual storage", "tenet never reads files a weights file points to");
    Tensor t = Tensor::empty(like[i].shape(), like[i].dtype());
    if (t.numel() > 0 && H5Dread(set.get(), h5_memory_type(t.dtype()), H5S_ALL, H5S_ALL,
                                 H5P_DEFAULT, t.raw_data()) < 0)
      dataset_read_failed(path_, "weights file", name, t.nbytes(),
                          "load an earlier checkpoint, or save the weights again");
    out.push_back(std::move(t));
  }
  return out;
}


// ------------------------------------------------------ a file read by the helper process

namespace {
// Buffers shaped as the file declares its variables. A declared size the file cannot hold (more
// than its size times deflate's largest ratio: a corrupt or hostile header) is data.format
// before anything is allocated.
std::vector<Tensor> like_vars(const FileVars& f, const std::string& path, const std::string& group,
                              unsigned long long file_size) {
  const unsigned long long limit = file_size * kMaxDeflateRatio;
  std::vector<Tensor> like;
  for (std::size_t i = 0; i < f.vars.size(); ++i) {
    const auto& v = f.vars[i];
    if (!v.dtype_known) return {};
    if (declared_bytes(v.shape, v.dtype, limit) > limit)
      refuse(path, "dataset '" + group + "/" + std::to_string(i) + "' declares more data than the file holds",
             "at most " + std::to_string(limit) + " bytes (a " + std::to_string(file_size) + "-byte file)",
             v.shape.str() + " " + dtype_name(v.dtype),
             "the dataset's header is corrupt or hostile, or the file was truncated",
             "load an earlier checkpoint, or save the weights again");
    like.push_back(Tensor::empty(v.shape, v.dtype));
  }
  return like;
}
}  // namespace

void CheckpointFile::put(WireOut& out) const {
  out.u64(size_);
  out.u64(order_.size());
  for (const auto& p : order_) out.str(p), out.u64(static_cast<std::uint64_t>(objects_.at(p)));
  std::vector<std::string> groups;
  for (const auto& p : order_)
    if (objects_.at(p) == H5O_TYPE_GROUP && (p == "vars" || p.ends_with("/vars"))) groups.push_back(p);
  out.u64(groups.size());
  for (const auto& g : groups) {
    const FileVars f = vars(g);
    out.str(g);
    out.u64(f.vars.size());
    for (const auto& v : f.vars) put_var(out, v);
    out.str(f.problem);
    out.str(group_name(g));
    out.str(group_attr(g, kExactLearningRate));
    try {
      const std::vector<Tensor> like =
          f.problem.empty() ? like_vars(f, path_, g, size_) : std::vector<Tensor>{};
      const std::vector<Tensor> values = like.empty() ? like : read(g, like);
      out.u64(0);
      out.tensors(values);
    } catch (const ContractError& e) {
      out.u64(1);
      put_contract(out, e.info());
    }
  }
}

CheckpointFile::CheckpointFile(WireIn& in, const std::string& path)
    : path_(path), size_(in.u64()), file_(-1, H5Fclose) {
  for (std::uint64_t n = in.u64(), i = 0; i < n; ++i) {
    std::string p = in.str();
    objects_[p] = static_cast<H5O_type_t>(in.u64() % 8);
    order_.push_back(std::move(p));
  }
  for (std::uint64_t n = in.u64(), i = 0; i < n; ++i) {
    Sent& g = sent_[in.str()];
    g.vars.vars.resize(in.u64() % 4096);
    for (auto& v : g.vars.vars) v = get_var(in);
    g.vars.problem = in.str();
    g.name = in.str();
    g.exact_learning_rate = in.str();
    g.failed = in.u64() != 0;
    if (g.failed) g.error = get_contract(in);
    else g.values = in.tensors();
  }
}

const CheckpointFile::Sent& CheckpointFile::sent(const std::string& vars_group) const {
  const auto it = sent_.find(vars_group);
  if (it == sent_.end())
    WireIn(std::string(), path_, "weights file").fail("no variables for " + vars_group);
  return it->second;
}

std::vector<Tensor> CheckpointFile::sent_values(const std::string& vars_group,
                                                const std::vector<Tensor>& like) const {
  const Sent& g = sent(vars_group);
  if (g.failed) throw ContractError(g.error);
  bool fit = g.values.size() == like.size();
  for (std::size_t i = 0; fit && i < like.size(); ++i)
    fit = g.values[i].shape() == like[i].shape() && g.values[i].dtype() == like[i].dtype();
  if (!fit) WireIn(std::string(), path_, "weights file").fail("values of other shapes for " + vars_group);
  return g.values;
}

void helper_read_weights(const std::string& path, const std::vector<std::string>&, WireOut& out) {
  CheckpointFile(path).put(out);
}

}  // namespace tenet::data::detail
