#pragma once
// A checkpoint file opened for reading (internal to data/): the whole object tree is listed
// once at open, links other than hard links are refused, and variables are described
// (shape, dtype) before any of them is read.
#include <map>
#include <string>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>
#include "data/hdf5_common.hpp"
#include "data/hdf5_guard.hpp"

namespace tenet::data::detail {

struct FileVar {
  std::string name;  // "vars/0"
  Shape shape;
  DType dtype = DType::f32;
  bool dtype_known = false;  // false: a type tenet cannot hold (dtype_text says which)
  std::string dtype_text;
  std::string describe(bool with_dtype) const;  // "vars/0 (64, 10) float64"
};

// The datasets 0, 1, ... of one "vars" group, or what is wrong with the group.
struct FileVars {
  std::vector<FileVar> vars;
  std::string problem;  // e.g. "vars/kernel, which is not a variable index"
  std::string describe() const;  // "vars/0 (64, 10), vars/1 (10,)" or "no variables"
};

class CheckpointFile {
 public:
  // Opens `path`: IOError when missing; data.format (phase load, naming the file) when it is
  // not HDF5, is truncated or corrupt, holds soft/external links, or has no layers/ group.
  explicit CheckpointFile(const std::string& path);
  // For a reading process that has no model (the tenet-h5-reader helper, data/hdf5_guard.hpp):
  // put() sends the tree and, for every vars group, its variables, its "name" attribute and its
  // values (or the error reading them raised); the second constructor rebuilds from that a file
  // that answers as this one does, raising the same errors, without libhdf5.
  void put(WireOut& out) const;
  CheckpointFile(WireIn& in, const std::string& path);

  const std::string& path() const { return path_; }
  bool has_group(const std::string& group) const;
  // Names directly under `group` ("layers" -> conv2d, dense, ...), in the file's order.
  std::vector<std::string> children(const std::string& group) const;
  FileVars vars(const std::string& vars_group) const;
  // The "name" attribute of a group (Keras writes one on every vars group), or "".
  std::string group_name(const std::string& group) const { return group_attr(group, "name"); }
  // A string attribute of a group, or "" when it is missing or not a string. put() sends
  // "name" and kExactLearningRate of every vars group.
  std::string group_attr(const std::string& group, const char* key) const;
  // Reads the group's datasets into new tensors shaped and typed like `like` (already
  // compared with vars()); data.format if the data cannot be read.
  std::vector<Tensor> read(const std::string& vars_group, const std::vector<Tensor>& like) const;

 private:
  std::string path_;
  unsigned long long size_ = 0;
  H5Id file_;
  std::map<std::string, H5O_type_t> objects_;  // every object by path ("layers/dense/vars")
  std::vector<std::string> order_;             // the same paths in visiting order
  struct Sent {  // a vars group as put() sent it (file_ is then not open)
    FileVars vars;
    std::string name, exact_learning_rate;
    std::vector<Tensor> values;
    bool failed = false;
    ContractInfo error;
  };
  std::map<std::string, Sent> sent_;
  const Sent& sent(const std::string& vars_group) const;
  std::vector<Tensor> sent_values(const std::string& vars_group, const std::vector<Tensor>& like) const;
};

}  // namespace tenet::data::detail
