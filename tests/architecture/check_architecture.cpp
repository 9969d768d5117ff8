// The rules of tenet's source tree, checked by ctest (tests `architecture` and
// `architecture_self_test`). Usage: check_architecture <repository root> | --self-test
//
// It reads every .cpp/.hpp/.h under core, layers, losses, data, tests, examples, benchmarks,
// tools (and tenet.hpp) and prints one line per broken rule, `path:line: [rule] message`,
// every one of them, then exits 1 if there was any:
//   wing-order  a core wing includes a higher one (base < contracts < tensor < kernels < ops <
//               graph < training), or a directory of core that is no wing;
//   core-above  core includes layers, losses, data or tenet.hpp;
//   sibling     layers or losses include anything but core; data includes tenet.hpp;
//   examples    an example includes a tenet header other than <tenet/tenet.hpp>;
//   cycle       the directories' includes form a cycle (each include of the cycle is named);
//   onednn      a oneDNN header included outside core/kernels (the raw-oneDNN reference in
//               benchmarks/reference, the oneDNN measurements gemm_choice and pool_bench, and
//               tests/core/kernels excepted); in library code outside core/kernels, a oneDNN
//               name (dnnl::, dnnl_*, DNNL_*) or an include of a core/kernels header that
//               includes oneDNN (memory.hpp, pooling.hpp);
//   contracts   a Violation constructed in library code outside core/contracts (every message
//               is written once, in a named check there);
//   length      a file over 400 lines or a function over 60;
//   layer-files understanding one layer (layers/<name>.cpp) takes more than five files beyond
//               the base all layers share (rules.cpp, layer_reading_set, says which count).
// Function lengths come from brace matching on the code with comments, literals and
// preprocessor lines blanked (source_scan.hpp says which braces open a function). What the
// heuristic cannot see: a function whose braces come from macros, a body split by #if branches
// that each open a brace, and code in a namespace-scope initializer (counted as no function).
// Includes are matched by their text (`#include <tenet/X>` or `#include "X"`, resolved against
// the including file's directory, then the root): an include built by a macro is not seen.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "rules.hpp"

namespace fs = std::filesystem;

namespace {

bool is_source(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cc";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const char* top : {"core", "layers", "losses", "data", "tests", "examples", "benchmarks",
                          "tools"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / top))
      if (e.is_regular_file() && is_source(e.path()))
        files[fs::relative(e.path(), root).generic_string()] = read(e.path());
  }
  if (fs::exists(root / "tenet.hpp")) files["tenet.hpp"] = read(root / "tenet.hpp");
  return files;
}

int report(const std::vector<arch::Finding>& findings, std::size_t scanned) {
  for (const auto& f : findings)
    std::cout << f.path << ":" << f.line << ": [" << f.rule << "] " << f.message << "\n";
  std::cout << findings.size() << " broken rule(s) in " << scanned
            << " files (docs/architecture.md states the rules)\n";
  return findings.empty() ? 0 : 1;
}

}  // namespace

int self_test();  // self_test.cpp

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-test") return self_test();
  if (argc != 2) {
    std::cerr << "usage: check_architecture <repository root> | --self-test\n";
    return 2;
  }
  const fs::path root = argv[1];
  if (!fs::exists(root / "core")) {
    std::cerr << "check_architecture: no core/ under " << root << "\n";
    return 2;
  }
  const auto files = read_tree(root);
  return report(arch::check_tree(files), files.size());
}
