// Model::save_weights: the model's variables (and its optimizer's state) in Keras 3's
// `.weights.h5` layout (see data/checkpoint.hpp), written atomically.
#include "data/checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include <tenet/core/base/error.hpp>
#include "data/hdf5_common.hpp"
#include <tenet/version.hpp>

namespace tenet::data::detail {

std::vector<LayerGroup> layer_groups(const ModelVariables& s) {
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

OptimizerImpl* model_optimizer(const ModelVariables& s) { return s.optimizer; }

std::size_t optimizer_slot_count(OptimizerImpl& opt) {
  return static_cast<std::size_t>(opt.slot_count());
}

std::vector<std::pair<std::size_t, std::size_t>> slot_file_order(const OptimizerImpl& opt,
                                                                  std::size_t variables) {
  const std::size_t k = static_cast<std::size_t>(opt.slot_count());
  std::vector<std::pair<std::size_t, std::size_t>> order;
  for (std::size_t a = 0; a < (opt.slots_by_kind() ? k : variables); ++a)
    for (std::size_t b = 0; b < (opt.slots_by_kind() ? variables : k); ++b)
      order.emplace_back(opt.slots_by_kind() ? b : a, opt.slots_by_kind() ? a : b);
  return order;
}

std::string keras_optimizer_name(const OptimizerImpl& opt) {
  std::string n = opt.name();
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n;
}

namespace {

// `keras`: an attribute Keras writes too ("name"), kept as h5py writes Python str attributes,
// a variable-length string in the global heap. tenet's own ("tenet_version", "model_name", the
// exact learning rate) are fixed-length: stored in the object header, under its checksum, so a
// flipped bit in the exact learning rate is refused instead of loading another rate.
void write_string_attr(hid_t obj, const char* key, const std::string& value,
                       const std::string& path, bool keras = false) {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), keras ? H5T_VARIABLE : std::max<std::size_t>(value.size(), 1));
  if (!keras) H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Id attr(H5Acreate2(obj, key, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = value.c_str();
  const std::string fixed = value.empty() ? std::string(1, '\0') : value;
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), keras ? static_cast<const void*>(&p)
                                                           : fixed.data()) < 0)
    hdf5_write_failed(path, std::string("attribute '") + key + "'");
}

// Creates group `name` in `parent` holding a "vars" group named `vars_name`; returns "vars".
hid_t make_vars_group(hid_t parent, const std::string& name, const std::string& vars_name,
                      const std::string& path) {
  hid_t vars = -1;
  if (name.empty()) {
    vars = H5Gcreate2(parent, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  } else {
    H5Id g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.ok()) hdf5_write_failed(path, "group '" + name + "'");
    vars = H5Gcreate2(g.get(), "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  }
  if (vars < 0) hdf5_write_failed(path, "group '" + name + "/vars'");
  try {
    write_string_attr(vars, "name", vars_name, path, /*keras=*/true);
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
  if (!space.ok() || !dcpl.ok() || !set.ok()) hdf5_write_failed(path, "dataset 'vars/" + name + "'");
  if (t.numel() > 0 && H5Dwrite(set.get(), h5_memory_type(t.dtype()), H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, t.raw_data()) < 0)
    hdf5_write_failed(path, "data of 'vars/" + name + "'");
}

void write_vars(hid_t parent, const std::string& name, const std::string& vars_name,
                const std::vector<Tensor>& values, const std::string& path) {
  H5Id vars(make_vars_group(parent, name, vars_name, path), H5Gclose);
  for (std::size_t i = 0; i < values.size(); ++i) write_var(vars.get(), i, values[i], path);
}

// Keras's optimizer variables: iteration, learning_rate (absent when a schedule drives the
// rate), then the slots in Keras's order (slot_file_order).
std::vector<Tensor> optimizer_vars(const OptimizerImpl& opt) {
  const std::int64_t it = opt.iterations();
  const float lr = static_cast<float>(opt.learning_rate());
  std::vector<Tensor> out{from_raw(&it, 1, Shape(), DType::i64)};
  if (!opt.schedule().defined()) out.push_back(from_raw(&lr, 1, Shape(), DType::f32));
  const auto& slots = opt.slots();
  for (const auto& [i, j] : slot_file_order(opt, slots.size())) out.push_back(slots[i][j]);
  return out;
}

void write_model(hid_t file, const ModelVariables& s, const std::string& path) {
  write_string_attr(file, "tenet_version", version(), path);
  write_string_attr(file, "model_name", s.name, path);
  H5Id layers(H5Gcreate2(file, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!layers.ok()) hdf5_write_failed(path, "group 'layers'");
  for (const auto& g : layer_groups(s)) {
    if (s.sequential && is_input_group(g.group)) continue;  // as Keras writes Sequential models
    write_vars(layers.get(), g.group, g.layer->name(), g.layer->weights(), path);
  }
  if (const OptimizerImpl* opt = model_optimizer(s)) {
    write_vars(file, "optimizer", keras_optimizer_name(*opt), optimizer_vars(*opt), path);
    // Keras keeps the learning rate as a float32 variable (0.001 reads back as
    // 0.0010000000474974513); the exact value rides beside it so that a resumed run is exact.
    if (!opt->schedule().defined()) {
      H5Id vars(H5Gopen2(file, "optimizer/vars", H5P_DEFAULT), H5Gclose);
      if (!vars.ok()) hdf5_write_failed(path, "group 'optimizer/vars'");
      char exact[32];
      std::snprintf(exact, sizeof exact, "%.17g", opt->learning_rate());
      write_string_attr(vars.get(), kExactLearningRate, exact, path);
    }
  }
  write_vars(file, "", s.name, {}, path);
}

}  // namespace

void save_keras_weights(const ModelVariables& s, const std::string& path) {
  write_h5_atomically(path, "save_weights", [&](hid_t file) { write_model(file, s, path); });
}

}  // namespace tenet::data::detail

namespace tenet::data {

namespace {
class KerasWeights : public WeightsFormat {
 public:
  void save(const ModelVariables& m, const std::string& path) const override {
    detail::save_keras_weights(m, path);
  }
  std::vector<std::string> load(const ModelVariables& m, const std::string& path,
                                const WeightsLoadOptions& options) const override {
    return detail::load_keras_weights(m, path, options);
  }
};
}  // namespace

bool install_keras_weights() {
  static const KerasWeights format;
  static const bool installed = install_weights_format(format);
  return installed;
}

}  // namespace tenet::data
