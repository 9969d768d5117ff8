#pragma once
// The rules of tenet's source tree (docs/architecture.md), checked on a set of files.
#include <map>
#include <string>
#include <vector>

namespace arch {

struct Finding {
  std::string path;
  int line = 0;
  std::string rule;  // wing-order, core-above, sibling, examples, cycle, onednn, contracts, length,
                     // layer-files
  std::string message;
};

constexpr int kMaxFileLines = 400;
constexpr int kMaxFunctionLines = 60;
// Files a reader needs for one layer beyond the base all layers share (rules.cpp).
constexpr int kMaxLayerFiles = 5;

// `files`: path relative to the repository root -> contents. Every finding, in path order.
std::vector<Finding> check_tree(const std::map<std::string, std::string>& files);

// The module a path belongs to: "core/<wing>", "layers", "losses", "data", "tenet.hpp", or its
// directory ("tests/core/tensor", "benchmarks", ...).
std::string module_of(const std::string& path);

}  // namespace arch
