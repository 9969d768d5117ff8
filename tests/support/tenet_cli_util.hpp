#pragma once
// Running the tenet program (build/tenet) and the error gallery from tests, and comparing their
// messages with what may differ between them (source lines, automatic layer-name numbers)
// taken out.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace tenet::testing {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

inline Run run_command(const std::string& command) {
  Run r;
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int raw = ::pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

inline const std::string& seed_dir() {
  static const std::string dir = std::string(TENET_SOURCE_DIR) + "/tests/fixtures/seed";
  return dir;
}

// `tenet ARGS` run inside tests/fixtures/seed (fixtures name their data relative to it).
inline Run run_tenet(const std::string& args) {
  return run_command("cd " + seed_dir() + " && " + std::string(TENET_BINARY_DIR) + "/tenet " + args);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A message with the facts that differ between a C++ program and a Keras file taken out: the
// "where:" line (a source line vs a file), automatic name numbers (conv2d_5 vs conv2d), and
// the line wrapping those change.
inline std::string message_facts(const std::string& text) {
  std::string kept;
  std::istringstream lines(text);
  bool in_fix = false;  // the fix's code is C++ in the gallery, Python in the command
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  fix:", 0) == 0) in_fix = true;
    else if (line.rfind("            ", 0) != 0) in_fix = false;
    if (!in_fix && line.find("where:") == std::string::npos && line.find("called at") == std::string::npos)
      kept += line + "\n";
  }
  static const std::regex names(R"(\b(conv2d|dense|flatten|concatenate|max_pooling2d|add)(_\d+)?\b)");
  kept = std::regex_replace(kept, names, "$1_#");
  kept = std::regex_replace(kept, std::regex(R"(\s+)"), " ");
  return kept;
}

// The block the gallery prints for case `number`: from its "[code]" line to the next case.
inline std::string gallery_case(const std::string& gallery, int number) {
  const std::string head = "=== " + std::to_string(number) + ". ";
  const auto start = gallery.find(head);
  if (start == std::string::npos) return "";
  const auto body = gallery.find('\n', start) + 1;
  const auto end = gallery.find("\n=== ", body);
  return gallery.substr(body, end == std::string::npos ? std::string::npos : end - body);
}

}  // namespace tenet::testing
