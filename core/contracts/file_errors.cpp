// The refusals of AtomicFile (core/base/atomic_file.hpp): the file writer sits below the
// contracts module, so its options.invalid messages are written here, with the checks.
#include <filesystem>

#include "core/base/atomic_file.hpp"
#include "core/base/text_escape.hpp"
#include <tenet/core/contracts/checks.hpp>

namespace tenet::files {

namespace fs = std::filesystem;

namespace {

std::string example_name(const std::string& writer) {
  if (writer == "write_idx") return "labels.idx";
  if (writer == "save_h5") return "data.h5";
  if (writer == "plot_history") return "history.svg";
  if (writer == "CSVLogger" || writer == "write_history_csv") return "history.csv";
  return "model.weights.h5";
}

}  // namespace

// options.invalid: `path` (through links, `target`) is something a write must never replace.
void refuse_target(const std::string& writer, const std::string& path,
                                const std::string& target, const std::string& kind) {
  const std::string named = target == path ? path : path + " (a link to " + target + ")";
  const bool dir = kind == "a directory";
  checks::invalid_option(
      writer + "'s path",
      "\"" + path + "\", " + (target == path ? "" : "a link to " + target + ", ") + kind,
      "a regular file, a path where no file exists yet, or a symbolic link to one of these",
      Site(writer, "op"), Phase::run,
      named + " is " + kind + "; " + writer + " writes a new file and renames it over the "
          "path, which " + (dir ? "cannot replace a directory"
                                : "would replace " + target + " with a regular file"),
      dir ? "give " + writer + " a file's path inside the directory, e.g. \"" +
                (fs::path(path) / example_name(writer)).string() + "\""
          : "give " + writer + " the path of a regular file (or of one to create), e.g. \"" +
                example_name(writer) + "\"");
}

void check_no_nul(const std::string& user, const std::string& path, bool writes) {
  const auto nul = path.find('\0');
  if (nul == std::string::npos) return;
  checks::invalid_option(
      user + "'s path", "\"" + text::printable(path) + "\"", "a path without NUL characters",
      Site(user, "op"), Phase::run,
      "the path holds a NUL character at character " + std::to_string(nul + 1) + "; the system "
      "ends a path there, so " + user + " would " + (writes ? "write" : "read") + " \"" +
          text::printable(path.substr(0, nul)) + "\" instead (a NUL often comes from a C "
      "buffer or a fixed-size field read whole)",
      "cut the path at its first NUL, or build it from the text before it");
}

void refuse_path(const std::string& writer, const std::string& path) {
  check_no_nul(writer, path, true);
  checks::invalid_option(
      writer + "'s path", path.empty() ? "\"\" (an empty path)" : "\"" + path + "\"",
      "the path of a file", Site(writer, "op"), Phase::run,
      path.empty() ? "an empty path names no file"
                   : "a path ending in '/' names a directory, not a file",
      "give " + writer + " a file name, e.g. \"" + example_name(writer) + "\"");
}

}  // namespace tenet::files
