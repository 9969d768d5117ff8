// Model::save_weights: the model's variables (and its optimizer's state) in Keras 3's
// `.weights.h5` layout (see data/checkpoint.hpp), written atomically.
#include "data/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "data/hdf5_common.hpp"

#ifndef TENET_VERSION
#define TENET_VERSION "unknown"
#endif

namespace tenet::data::detail {

std::vector<LayerGroup> layer_groups(const Model::State& s) {
  std::vector<LayerGroup> out;
  std::map<std::string, int> used;  // Keras: the first is "dense", then "dense_1", ...
  for (const auto& l : s.layers) {
    std::string group = l->base_name();
    auto it = used.find(group);
    if (it == used.end()) used[group] = 0;
    else group += "_" + std::to_string(++it->second);
    out.push_back({group, l});
  }
  return out;
}

bool is_input_group(const std::string& group) {
  return group == "input_layer" || group.rfind("input_layer_", 0) == 0;
}

OptimizerImpl* model_optimizer(const Model::State& s) {
  return s.is_compiled ? s.compiled.optimizer.impl().get() : nullptr;
}

std::size_t optimizer_slot_count(OptimizerImpl& opt) {
  return static_cast<std::size_t>(opt.slot_count());
}

std::string keras_optimizer_name(const OptimizerImpl& opt) {
  std::string n = opt.name();
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n;
}

namespace {

[[noreturn]] void write_failed(const std::string& path, const std::string& what) {
  throw IOError("tenet: cannot write " + path + ": " + what + " (" + hdf5_error_text() + ")");
}

void fsync_or_throw(const std::string& p, bool directory, const std::string& target) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) {
    if (directory) return;  // some file systems do not open directories; the rename is done
    throw IOError("tenet: cannot write " + target + ": cannot reopen " + p + " to fsync it");
  }
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0 && !directory)
    throw IOError("tenet: cannot write " + target + ": fsync failed on " + p + " (disk full?)");
}

std::string temp_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string name = "." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                           "-" + std::to_string(counter++);
  return (p.parent_path() / name).string();
}

}  // namespace

void write_h5_atomically(const std::string& path, const std::function<void(hid_t)>& fill) {
  silence_hdf5();
  namespace fs = std::filesystem;
  const std::string tmp = temp_name(path);
  try {
    {
      H5Id file(H5Fcreate(tmp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      if (!file.ok())
        write_failed(path, "cannot create the temporary file " + tmp +
                               " (directory missing or read-only?)");
      fill(file.get());
      if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) write_failed(path, "flush of " + tmp);
      if (file.close() < 0) write_failed(path, "close of " + tmp);
    }
    fsync_or_throw(tmp, false, path);
    const char* hook = std::getenv("TENET_TEST_FAIL_BEFORE_RENAME");
    if (hook && *hook)
      throw IOError("tenet: cannot write " + path + ": TENET_TEST_FAIL_BEFORE_RENAME is set "
                    "(simulated failure before the rename)");
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw IOError("tenet: cannot write " + path + ": rename from " + tmp + " failed: " +
                          ec.message());
    const fs::path dir = fs::path(path).parent_path();
    fsync_or_throw(dir.empty() ? "." : dir.string(), true, path);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

namespace {

void write_string_attr(hid_t obj, const char* key, const std::string& value,
                       const std::string& path) {
  // A variable-length UTF-8 string, as h5py writes Python str attributes.
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Id attr(H5Acreate2(obj, key, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = value.c_str();
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), &p) < 0)
    write_failed(path, std::string("attribute '") + key + "'");
}

// Creates group `name` in `parent` holding a "vars" group named `vars_name`; returns "vars".
hid_t make_vars_group(hid_t parent, const std::string& name, const std::string& vars_name,
                      const std::string& path) {
  hid_t vars = -1;
  if (name.empty()) {
    vars = H5Gcreate2(parent, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  } else {
    H5Id g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.ok()) write_failed(path, "group '" + name + "'");
    vars = H5Gcreate2(g.get(), "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  }
  if (vars < 0) write_failed(path, "group '" + name + "/vars'");
  try {
    write_string_attr(vars, "name", vars_name, path);
  } catch (...) {
    H5Gclose(vars);
    throw;
  }
  return vars;
}

void write_var(hid_t vars, std::size_t index, const Tensor& t, const std::string& path) {
  const std::string name = std::to_string(index);
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  H5Id space(t.rank() == 0 ? H5Screate(H5S_SCALAR)
                           : H5Screate_simple(t.rank(), dims.data(), nullptr), H5Sclose);
  H5Id dcpl(checksummed_dcpl(dims, dtype_size(t.dtype())), H5Pclose);  // Fletcher-32
  H5Id set(H5Dcreate2(vars, name.c_str(), h5_file_type(t.dtype()), space.get(), H5P_DEFAULT,
                      dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!space.ok() || !dcpl.ok() || !set.ok()) write_failed(path, "dataset 'vars/" + name + "'");
  if (t.numel() > 0 && H5Dwrite(set.get(), h5_memory_type(t.dtype()), H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, t.raw_data()) < 0)
    write_failed(path, "data of 'vars/" + name + "'");
}

void write_vars(hid_t parent, const std::string& name, const std::string& vars_name,
                const std::vector<Tensor>& values, const std::string& path) {
  H5Id vars(make_vars_group(parent, name, vars_name, path), H5Gclose);
  for (std::size_t i = 0; i < values.size(); ++i) write_var(vars.get(), i, values[i], path);
}

// Keras's optimizer variables: iteration, learning_rate, then each variable's slots in turn.
std::vector<Tensor> optimizer_vars(const OptimizerImpl& opt) {
  const std::int64_t it = opt.iterations();
  const float lr = static_cast<float>(opt.learning_rate());
  std::vector<Tensor> out{from_raw(&it, 1, Shape(), DType::i64), from_raw(&lr, 1, Shape(), DType::f32)};
  for (const auto& per_var : opt.slots())
    for (const auto& s : per_var) out.push_back(s);
  return out;
}

void write_model(hid_t file, const Model::State& s, const std::string& path) {
  write_string_attr(file, "tenet_version", TENET_VERSION, path);
  write_string_attr(file, "model_name", s.name, path);
  H5Id layers(H5Gcreate2(file, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!layers.ok()) write_failed(path, "group 'layers'");
  for (const auto& g : layer_groups(s)) {
    if (s.sequential && is_input_group(g.group)) continue;  // as Keras writes Sequential models
    write_vars(layers.get(), g.group, g.layer->name(), g.layer->weights(), path);
  }
  if (const OptimizerImpl* opt = model_optimizer(s))
    write_vars(file, "optimizer", keras_optimizer_name(*opt), optimizer_vars(*opt), path);
  write_vars(file, "", s.name, {}, path);
}

}  // namespace

}  // namespace tenet::data::detail

namespace tenet {

void Model::save_weights(const std::string& path) const {
  const State& s = *s_;
  data::detail::write_h5_atomically(
      path, [&](hid_t file) { data::detail::write_model(file, s, path); });
}

}  // namespace tenet
