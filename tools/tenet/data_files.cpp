// Reading DATA for the tenet command: which file kind, which arrays, in which order.
#include "tools/tenet/data_files.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include <tenet/data/npy.hpp>

#include "core/base/text_escape.hpp"
#include "data/format_error.hpp"

namespace tenet::cli {

namespace {

enum class Kind { hdf5, npz, npy };

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// By the first bytes; by the extension when they say nothing (the reader then explains). A
// FIFO, device or directory is refused before it is opened: opening a FIFO blocks until a writer
// comes, and /dev/zero never ends.
Kind kind_of(const std::string& path) {
  data::detail::require_regular_file(path, "no such file", "check the path given to --data");
  char head[8] = {};
  std::ifstream(path, std::ios::binary).read(head, sizeof head);
  if (std::memcmp(head, "\x89HDF", 4) == 0) return Kind::hdf5;
  if (std::memcmp(head, "\x93NUMPY", 6) == 0) return Kind::npy;
  if (std::memcmp(head, "PK", 2) == 0) return Kind::npz;
  if (ends_with(path, ".npy")) return Kind::npy;
  if (ends_with(path, ".npz")) return Kind::npz;
  return Kind::hdf5;
}

std::string key_of(const std::string& name) {
  return name.size() > 1 && name[0] == '/' ? name.substr(1) : name;
}

struct Source {
  std::string path;
  std::map<std::string, Tensor> arrays;

  Tensor get(const std::string& flag, const std::string& name) const {
    if (ends_with(name, ".npy") && !arrays.count(key_of(name))) {
      std::error_code ec;  // a file that is not there is a mistake on the command line
      if (!std::filesystem::exists(name, ec))
        throw UsageError(flag + " " + name + ": no such file, and " + path + " holds no array '" +
                         key_of(name) + "'; it holds: " + held());
      return data::read_npy(name);
    }
    if (auto it = arrays.find(key_of(name)); it != arrays.end()) return it->second;
    throw UsageError(flag + " " + name + ": " + path + " holds no array '" + key_of(name) +
                     "'; it holds: " + held());
  }
  // Names from the file: shown escaped, never as control codes.
  std::string held() const {
    std::string out;
    for (const auto& [k, v] : arrays) out += (out.empty() ? "" : ", ") + text::printable(k) + " " + v.shape().str();
    return out.empty() ? "nothing" : out;
  }
  std::optional<std::string> first_of(const std::vector<std::string>& names) const {
    for (const auto& n : names)
      if (arrays.count(n)) return n;
    return std::nullopt;
  }
};

// Every array of the file, or only the named ones when all are named (large HDF5 files).
Source read_source(const DataArgs& args, std::size_t inputs) {
  Source s{args.path, {}};
  switch (kind_of(args.path)) {
    case Kind::npy: s.arrays["x"] = data::read_npy(args.path); break;
    case Kind::npz: s.arrays = data::read_npz(args.path); break;
    case Kind::hdf5: {
      std::vector<std::string> names;
      for (const auto& spec : args.x) {
        const auto eq = spec.find('=');
        names.push_back(key_of(eq == std::string::npos ? spec : spec.substr(eq + 1)));
      }
      if (!args.y.empty()) names.push_back(key_of(args.y));
      const bool all_named = args.x.size() == inputs && !args.y.empty();
      std::erase_if(names, [](const std::string& n) { return ends_with(n, ".npy"); });
      if (!all_named) {
        s.arrays = data::load_h5(args.path);
        break;
      }
      try {
        s.arrays = data::load_h5(args.path, names);
      } catch (const ContractError& e) {  // a name the file lacks: as for the other kinds
        for (const auto& name : names) {
          if (e.code() != "data.format" || !ends_with(e.info().summary, "no dataset named '" + name + "'"))
            continue;
          throw UsageError(std::string(name == key_of(args.y) ? "--y " : "--x ") + name + ": " +
                           args.path + " holds no array '" + name + "'; " + e.actual());
        }
        throw;
      }
    }
  }
  return s;
}

// --x specs to input positions: "INPUT=NAME" by name, a bare "NAME" to the next free input.
std::vector<std::string> assign_inputs(const std::vector<std::string>& specs,
                                       const std::vector<std::string>& inputs) {
  std::vector<std::string> assigned(inputs.size());
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    std::size_t i = 0;
    if (eq != std::string::npos) {
      const std::string input = spec.substr(0, eq);
      while (i < inputs.size() && inputs[i] != input) ++i;
      if (i == inputs.size()) {
        std::string names;
        for (const auto& n : inputs) names += (names.empty() ? "" : ", ") + n;
        throw UsageError("--x " + spec + ": the model has no input '" + input + "'; its inputs: " + names);
      }
      if (!assigned[i].empty())  // the later one used to win silently
        throw UsageError("--x " + spec + ": input '" + input + "' was already given '" +
                         assigned[i] + "'; give one --x per input");
    } else {
      while (i < inputs.size() && !assigned[i].empty()) ++i;
      if (i == inputs.size())
        throw UsageError("--x " + spec + ": more --x than the model's " + std::to_string(inputs.size()) + " input(s)");
    }
    assigned[i] = eq == std::string::npos ? spec : spec.substr(eq + 1);
  }
  return assigned;
}

}  // namespace

LoadedData load_data(const DataArgs& args, const std::vector<std::string>& input_names) {
  const Source source = read_source(args, input_names.size());
  const auto assigned = assign_inputs(args.x, input_names);
  LoadedData d;
  d.held = source.held();
  for (std::size_t i = 0; i < input_names.size(); ++i) {
    const std::string& input = input_names[i];
    std::optional<std::string> name;
    if (!assigned[i].empty()) name = assigned[i];
    std::vector<std::string> defaults = {input, "x/" + input, "inputs/" + input};
    if (input_names.size() == 1) defaults.insert(defaults.end(), {"x", "images", "inputs"});
    if (!name) name = source.first_of(defaults);
    if (!name) {
      d.x.emplace_back();
      d.missing.push_back(input);
      std::string looked;
      for (const auto& n : defaults) looked += (looked.empty() ? "" : ", ") + n;
      d.searched.push_back(looked);
      continue;
    }
    d.x.push_back(source.get("--x", *name));
    d.x_source.push_back(input + " <- " + *name + " " + d.x.back().shape().str() + " " +
                         dtype_name(d.x.back().dtype()));
  }
  std::optional<std::string> y = args.y.empty() ? source.first_of({"y", "labels", "targets"})
                                                : std::optional<std::string>(args.y);
  if (y) {
    d.y = source.get("--y", *y);
    d.y_source = "labels <- " + *y + " " + d.y.shape().str() + " " + dtype_name(d.y.dtype());
  }
  return d;
}

}  // namespace tenet::cli
