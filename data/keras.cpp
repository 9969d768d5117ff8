// tenet::keras: Keras 3 model files (data/keras.hpp): the public entry points, telling
// archives from JSON by content, and the weights inside an archive loaded through
// Model::load_weights.
#include <tenet/data/keras.hpp>

#include <sys/stat.h>

#include <ctime>
#include <functional>
#include <limits>
#include <fstream>
#include <iostream>
#include <sstream>

#include <tenet/core/contracts/checks.hpp>
#include "core/training/model_state.hpp"
#include "core/base/atomic_file.hpp"
#include "data/format_error.hpp"
#include "data/keras_archive.hpp"
#include "data/keras_json.hpp"

#ifndef TENET_VERSION
#define TENET_VERSION "unknown"
#endif

namespace tenet::keras {

namespace kd = data::keras_detail;

namespace {

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) data::detail::io_error(path, "the file cannot be opened");
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kd::kMaxJsonBytes) break;  // parse_json refuses it, naming the limit
  }
  return text;
}

bool is_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

// An error raised while loading the extracted weights names the archive's entry, not the
// temporary file.
[[noreturn]] void rename_file(const ContractError& e, const std::string& from, const std::string& to) {
  ContractInfo info = e.info();
  for (std::string* s : {&info.where.name, &info.summary, &info.expected, &info.actual,
                         &info.cause, &info.fix})
    for (std::size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size()))
      s->replace(at, from.size(), to);
  throw ContractError(info);
}

// The model of a parsed config, built as far as it goes and compiled by its compile config;
// `weights` (called with the built model) gives the path of its weights file, or nothing.
PartialBuild build(const kd::Json& root, const std::string& name,
                   const std::function<std::string(const Model&)>& weights) {
  PartialBuild out = kd::build_from_keras(root, name, /*initializers_matter=*/!weights);
  if (!out.model) return out;
  const kd::Json* compile = root.contains("compile_config") ? &root["compile_config"] : nullptr;
  if (auto options = kd::compile_from_keras(compile, name)) out.model->compile(*options);
  if (!weights) return out;
  const std::string path = weights(*out.model);
  try {
    (void)out.model->load_weights(path);
  } catch (const ContractError& e) {
    rename_file(e, path, name + "/model.weights.h5");
  }
  return out;
}

template <class F>
auto guarded(const std::string& name, F&& f) {
  try {
    return f();
  } catch (const kd::Json::exception& e) {  // a JSON type tenet did not expect, anywhere
    kd::bad_json(name, "a value", "what Keras writes there", nullptr);
  }
}

PartialBuild partial_from_archive(const std::string& src, bool in_memory, const std::string& name) {
  return guarded(name, [&] {
    kd::ArchiveReader archive(src, in_memory, name);
    if (!archive.metadata().empty() &&
        !kd::parse_json(archive.metadata(), name + "/metadata.json").is_object())
      kd::bad_json(name + "/metadata.json", "the metadata", "a JSON object", nullptr);
    kd::TempDir temp;
    // The weights are extracted once the model is built, so that their size is bounded by
    // what its parameters need (a small archive cannot unpack gigabytes for a small model).
    return build(kd::parse_json(archive.config(), name + "/config.json"), name,
                 [&](const Model& m) {
                   return archive.extract_weights(temp, m.count_params(), m.weights().size());
                 });
  });
}

PartialBuild partial_from_json(const std::string& text, const std::string& name) {
  return guarded(name, [&] { return build(kd::parse_json(text, name), name, nullptr); });
}

Model built(PartialBuild p) {
  if (p.failure) throw *p.failure;
  return std::move(*p.model);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A path that names no file raises IOError; one naming a directory, device, FIFO or socket is
// refused with data.format without being opened (a FIFO would block).
void require_model_file(const std::string& path) {
  files::check_no_nul("keras.load_model", path, false);  // before stat reads a shorter path
  struct stat st;
  if (!path.empty() && ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    data::detail::format_error(path, "Keras model file",
                               {"the path is not a regular file", "a .keras or .json file",
                                files::file_kind(st.st_mode),
                                "a model is read from a file; this path names something else",
                                "pass the path of the .keras or .json file"});
  data::detail::require_regular_file(path, "no such file", "check the path of the model file");
}

// A negative limit would refuse every file with a message quoting it as a parameter count.
void check_limit(const LoadOptions& o, const char* call) {
  checks::check_option_range("keras::LoadOptions::max_parameters", o.max_parameters, 0,
                             std::numeric_limits<std::int64_t>::max(), Site(call, "op"),
                             Phase::load);
}

}  // namespace

PartialBuild build_partial(const std::string& path, LoadOptions options, std::source_location loc) {
  const ScopedUserCall user("keras.load_model", loc);
  check_limit(options, "load_model");
  // every kernel is counted before it is allocated (model.unsupported beyond the limit)
  const checks::ScopedWeightBudget budget(path, options.max_parameters);
  require_model_file(path);
  if (is_zip(path)) return partial_from_archive(path, false, path);
  const std::string text = read_small_file(path);
  // Not JSON at all: say what it is. Keras 2's model.save('m.h5') stores the architecture in
  // the root's model_config attribute; a weights file has none.
  if (text.starts_with("\x89HDF") && text.find("model_config") != std::string::npos)
    data::detail::format_error(path, "Keras model file",
                               {"the file is a Keras 2 HDF5 model, not a .keras archive or Keras JSON",
                                "a .keras archive (a zip) or a Keras JSON architecture",
                                "an HDF5 file with a model_config attribute",
                                "Keras 2's model.save('m.h5') (or save_format='h5') wrote the "
                                "architecture and weights in the legacy HDF5 layout, which tenet "
                                "does not read",
                                "convert it with Keras: keras.models.load_model('m.h5').save("
                                "'m.keras'), then load m.keras"});
  if (text.starts_with("\x89HDF"))
    data::detail::format_error(path, "Keras model file",
                               {"the file is HDF5, not a .keras archive or Keras JSON",
                                "a .keras archive (a zip) or a Keras JSON architecture",
                                "an HDF5 file (it starts with HDF5's signature)",
                                "a weights file (save_weights, Keras's model.save_weights) holds "
                                "the weights without the architecture",
                                "build the model in C++ (or load its .keras or .json file), then "
                                "call model.load_weights(path)"});
  return partial_from_json(text, path);
}

Model load_model(const std::string& path, LoadOptions options, std::source_location loc) {
  return built(build_partial(path, options, loc));
}

Model model_from_json(const std::string& json, LoadOptions options, std::source_location loc) {
  const ScopedUserCall user("keras.model_from_json", loc);
  check_limit(options, "model_from_json");
  const checks::ScopedWeightBudget budget("the JSON architecture", options.max_parameters);
  return built(partial_from_json(json, "the JSON architecture"));
}

// The compile metrics left out of a file, printed as load_weights prints what it skipped.
static void print_left_out(const std::string& call, const std::vector<std::string>& left_out) {
  for (const auto& item : left_out) std::cerr << "tenet: " << call << ": " << item << "\n";
}

std::string model_to_json(const Model& model) {
  std::vector<std::string> left_out;
  std::string text = kd::model_to_keras(model, &left_out).dump();
  print_left_out("model_to_json", left_out);
  return text;
}

std::vector<std::string> save_model(const Model& model, const std::string& path) {
  const bool archive = ends_with(path, ".keras");
  if (!archive && !ends_with(path, ".json"))
    checks::invalid_option("save_model path", path, "a name ending in .keras or .json",
                           Site(model.name(), "Model"), Phase::run,
                           "the extension chooses the format: .keras (architecture, weights and "
                           "compile config, as Keras's model.save) or .json (the architecture)",
                           "name the file model.keras or model.json");
  std::vector<std::string> left_out;
  const kd::Json root = kd::model_to_keras(model, &left_out);  // refuses layers Keras lacks first
  if (!archive) {
    files::write_file_atomically(path, "save_model", root.dump());
    print_left_out("save_model(" + path + ")", left_out);
    return left_out;
  }
  kd::TempDir temp;
  const std::string weights = temp.file("model.weights.h5");
  model.save_weights(weights);
  std::ifstream in(weights, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  char date[32] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d@%H:%M:%S", std::gmtime(&now));
  const kd::Json metadata = {{"keras_version", "3"}, {"saved_by", "tenet " TENET_VERSION},
                             {"date_saved", date}};
  files::write_file_atomically(
      path, "save_model", kd::make_archive(root.dump(), metadata.dump(), bytes.str(), path));
  print_left_out("save_model(" + path + ")", left_out);
  return left_out;
}

}  // namespace tenet::keras

namespace tenet::data::keras_detail {
// For the fuzzer (tests/fuzz/fuzz_keras.cpp): an archive held in memory.
PartialBuild build_partial_bytes(const std::string& bytes, bool archive) {
  const checks::ScopedWeightBudget budget(archive ? "fuzz.keras" : "fuzz.json",
                                          keras::kMaxParameters);
  return archive ? keras::partial_from_archive(bytes, true, "fuzz.keras")
                 : keras::partial_from_json(bytes, "fuzz.json");
}
}  // namespace tenet::data::keras_detail
