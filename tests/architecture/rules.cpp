#include "rules.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include "source_scan.hpp"

namespace arch {

namespace {

// The wings of core/, lowest first, then what sits on core. A library module may include its
// own files and those of a lower rank, with the exceptions of allowed_library_include.
const std::vector<std::string> kWings = {"core/base",   "core/contracts", "core/tensor",
                                         "core/kernels", "core/ops",      "core/graph",
                                         "core/training"};

int rank_of(const std::string& module) {
  for (std::size_t i = 0; i < kWings.size(); ++i)
    if (kWings[i] == module) return static_cast<int>(i);
  if (module == "layers" || module == "losses") return 7;
  if (module == "data") return 8;
  if (module == "tenet.hpp") return 9;
  return -1;  // tests, examples, benchmarks, tools: above everything
}

bool is_core(const std::string& module) { return module.rfind("core/", 0) == 0; }
bool is_library(const std::string& module) { return rank_of(module) >= 0; }

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool is_onednn_header(const std::string& target) {
  return starts_with(target, "oneapi/dnnl") || starts_with(target, "dnnl");
}

// Programs whose subject is oneDNN itself: the raw-oneDNN reference the speed ratios are
// measured against, the measurements of oneDNN's sgemm, pooling and convolution algorithms
// against the alternatives tenet chose between, of a primitive writing fixed or rotating output
// buffers (the storage replay), and the tests of the boundary.
bool may_include_onednn(const std::string& path) {
  return starts_with(path, "core/kernels/") || starts_with(path, "benchmarks/reference/") ||
         path == "benchmarks/gemm_choice.cpp" || path == "benchmarks/pool_bench.cpp" ||
         path == "benchmarks/conv_grid.cpp" || path == "benchmarks/buffer_reuse.cpp" ||
         starts_with(path, "tests/core/kernels/");
}

// A oneDNN name in code outside core/kernels: the boundary leaks through a kernels header.
bool speaks_onednn(const std::string& module) {
  return is_library(module) && module != "core/kernels";
}

std::string directory_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// The repository path an include names, or "" for a header outside the tree.
std::string resolve(const std::map<std::string, std::string>& files, const std::string& from,
                    const Include& inc) {
  if (inc.angled)
    return starts_with(inc.target, "tenet/") && files.count(inc.target.substr(6))
               ? inc.target.substr(6)
               : "";
  const std::string dir = directory_of(from);
  const std::string local = dir.empty() ? inc.target : dir + "/" + inc.target;
  if (files.count(local)) return local;
  return files.count(inc.target) ? inc.target : "";
}

// Empty when `from` may include `to`, else why not.
std::string include_rule(const std::string& from, const std::string& to) {
  if (from == to || !is_library(to)) return "";
  if (starts_with(from, "examples")) return to == "tenet.hpp" ? "" : "examples";
  if (!is_library(from)) return "";
  if (is_core(from) && !is_core(to)) return "core-above";
  if (is_core(from) && rank_of(to) > rank_of(from)) return "wing-order";
  if ((from == "layers" || from == "losses") && !is_core(to)) return "sibling";
  if (from == "data" && to == "tenet.hpp") return "sibling";
  return "";
}

std::string rule_text(const std::string& rule, const std::string& from, const std::string& to) {
  if (rule == "core-above") return from + " includes " + to + ": core may not include layers, losses or data";
  if (rule == "wing-order")
    return from + " includes " + to + ", a higher wing (order: base < contracts < tensor < "
           "kernels < ops < graph < training)";
  if (rule == "examples") return "an example includes " + to + ": examples include only <tenet/tenet.hpp>";
  return from + " includes " + to + ": layers and losses include only core, data only core, layers and losses";
}

struct Edge {
  std::string path;
  int line;
};
using Graph = std::map<std::string, std::map<std::string, Edge>>;  // from -> to -> an example

// One cycle through `start` inside its strongly connected component, as a module sequence.
std::vector<std::string> cycle_through(const Graph& g, const std::set<std::string>& component,
                                       const std::string& start) {
  std::vector<std::string> path{start};
  std::set<std::string> seen{start};
  std::function<bool(const std::string&)> walk = [&](const std::string& at) {
    auto it = g.find(at);
    if (it == g.end()) return false;
    for (const auto& [to, edge] : it->second) {
      if (!component.count(to)) continue;
      if (to == start) return true;
      if (!seen.insert(to).second) continue;
      path.push_back(to);
      if (walk(to)) return true;
      path.pop_back();
    }
    return false;
  };
  walk(start);
  return path;
}

// Tarjan's strongly connected components; every component of two or more modules is a cycle.
std::vector<std::set<std::string>> components(const Graph& g) {
  std::map<std::string, int> index, low;
  std::vector<std::string> stack;
  std::set<std::string> on_stack;
  std::vector<std::set<std::string>> found;
  int next = 0;
  std::function<void(const std::string&)> visit = [&](const std::string& v) {
    index[v] = low[v] = next++;
    stack.push_back(v);
    on_stack.insert(v);
    if (auto it = g.find(v); it != g.end())
      for (const auto& [w, edge] : it->second) {
        if (!index.count(w)) {
          visit(w);
          low[v] = std::min(low[v], low[w]);
        } else if (on_stack.count(w)) {
          low[v] = std::min(low[v], index[w]);
        }
      }
    if (low[v] != index[v]) return;
    std::set<std::string> component;
    std::string w;
    do {
      w = stack.back();
      stack.pop_back();
      on_stack.erase(w);
      component.insert(w);
    } while (w != v);
    if (component.size() > 1) found.push_back(component);
  };
  for (const auto& [v, edges] : g)
    if (!index.count(v)) visit(v);
  return found;
}

void check_cycles(const Graph& g, std::vector<Finding>& out) {
  for (const auto& component : components(g)) {
    std::vector<std::string> cycle = cycle_through(g, component, *component.begin());
    std::string text;
    for (const auto& m : cycle) text += m + " -> ";
    text += cycle.front();
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      const std::string& to = cycle[(i + 1) % cycle.size()];
      const Edge& e = g.at(cycle[i]).at(to);
      out.push_back({e.path, e.line, "cycle",
                     "include cycle " + text + " (this line: " + cycle[i] + " -> " + to + ")"});
    }
  }
}

void check_lengths(const std::string& path, const std::string& text, std::vector<Finding>& out) {
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                    (!text.empty() && text.back() != '\n' ? 1 : 0);
  if (lines > kMaxFileLines)
    out.push_back({path, kMaxFileLines + 1, "length",
                   "file has " + std::to_string(lines) + " lines (limit " +
                       std::to_string(kMaxFileLines) + ")"});
  for (const FunctionBody& f : function_bodies(code_only(text))) {
    const int n = f.last_line - f.first_line + 1;
    if (n > kMaxFunctionLines)
      out.push_back({path, f.first_line, "length",
                     "function has " + std::to_string(n) + " lines, " +
                         std::to_string(f.first_line) + "-" + std::to_string(f.last_line) +
                         " (limit " + std::to_string(kMaxFunctionLines) + ")"});
  }
}

// One finding per line of `text`'s code (comments and literals blanked) that `pattern` matches;
// `message` turns the match into the finding's text.
void check_pattern(const std::string& path, const std::string& text, const std::regex& pattern,
                   const std::string& rule,
                   const std::function<std::string(const std::string&)>& message,
                   std::vector<Finding>& out) {
  const std::string code = code_only(text);
  int line = 1;
  std::size_t start = 0;
  while (start <= code.size()) {
    std::size_t end = code.find('\n', start);
    if (end == std::string::npos) end = code.size();
    std::smatch m;
    const std::string l = code.substr(start, end - start);
    if (std::regex_search(l, m, pattern)) out.push_back({path, line, rule, message(m.str(1))});
    start = end + 1;
    ++line;
  }
}

void check_onednn_names(const std::string& path, const std::string& text,
                        std::vector<Finding>& out) {
  static const std::regex name(R"(\b(dnnl::\w*|dnnl_\w+|DNNL_\w+))");
  check_pattern(path, text, name, "onednn", [](const std::string& n) {
    return "oneDNN name '" + n + "' outside core/kernels: call a kernel function in tenet's "
           "terms (shapes, tensors, strides) instead";
  }, out);
}

// A contract error built outside core/contracts: its message would be written where it is
// raised, free to drift from the others of its kind.
void check_violations(const std::string& path, const std::string& text,
                      std::vector<Finding>& out) {
  static const std::regex built(R"(\b(Violation)\s*\()");
  check_pattern(path, text, built, "contracts", [](const std::string&) {
    return std::string("a Violation built outside core/contracts: call a named check there "
                       "(one file per concern), so that each message is written once");
  }, out);
}

// Whether `path` includes a oneDNN header, directly or through files of the tree.
bool reaches_onednn(const std::map<std::string, std::string>& files, const std::string& path,
                    std::map<std::string, bool>& memo) {
  if (auto it = memo.find(path); it != memo.end()) return it->second;
  memo[path] = false;  // a cycle adds nothing
  bool found = false;
  for (const Include& inc : includes_of(files.at(path))) {
    const std::string target = resolve(files, path, inc);
    found = found || is_onednn_header(inc.target) ||
            (!target.empty() && reaches_onednn(files, target, memo));
  }
  return memo[path] = found;
}

// What every kernel of core/kernels is written with: failures and thread counts (context),
// oneDNN memory objects (memory), layouts (layout) and the plan cache (plan_cache).
bool kernels_base_header(const std::string& path) {
  for (const char* base : {"core/kernels/context.hpp", "core/kernels/memory.hpp",
                           "core/kernels/layout.hpp", "core/kernels/plan_cache.hpp"})
    if (path == base) return true;
  return false;
}

// The files a reader opens to understand the layer `cpp` (layers/<name>.cpp) beyond the base
// every layer is written against (core/tensor, core/ops, core/graph, the checks' headers, and
// the kernel boundary's shared machinery above): its own pair; the layers/ helpers it includes,
// with their .cpp and what they include in turn; its kernel in core/kernels, header and .cpp
// (what the kernel's .cpp calls in turn, MaxPool2D's loops or oneDNN for Conv2D, is the
// kernel's own business, read through the contract its header states); and
// core/contracts/layer_checks.cpp, where its messages are written, when it includes
// layer_checks.hpp.
std::set<std::string> layer_reading_set(const std::map<std::string, std::string>& files,
                                        const std::string& cpp) {
  std::set<std::string> seen;
  std::vector<std::string> todo = {cpp, cpp.substr(0, cpp.size() - 4) + ".hpp"};
  auto source_of = [&](const std::string& header) {
    const std::string source = header.substr(0, header.size() - 4) + ".cpp";
    return header.size() > 4 && header.compare(header.size() - 4, 4, ".hpp") == 0 &&
                   files.count(source) ? source : std::string();
  };
  while (!todo.empty()) {
    const std::string path = todo.back();
    todo.pop_back();
    if (!files.count(path) || !seen.insert(path).second) continue;
    for (const Include& inc : includes_of(files.at(path))) {
      const std::string target = resolve(files, path, inc);
      const std::string source = source_of(target);
      if (target == "core/contracts/layer_checks.hpp") {
        if (files.count("core/contracts/layer_checks.cpp")) seen.insert("core/contracts/layer_checks.cpp");
      } else if (starts_with(target, "layers/")) {  // a helper of layers: read as the layer is
        todo.push_back(target);
        if (!source.empty()) todo.push_back(source);
      } else if (starts_with(target, "core/kernels/") && !kernels_base_header(target)) {
        seen.insert(target);  // the kernel: its interface and its .cpp, not what that calls
        if (!source.empty()) seen.insert(source);
      }
    }
  }
  return seen;
}

void check_layer_files(const std::map<std::string, std::string>& files, std::vector<Finding>& out) {
  for (const auto& [path, text] : files) {
    if (!starts_with(path, "layers/") || path.size() < 5 || path.compare(path.size() - 4, 4, ".cpp") != 0 ||
        !files.count(path.substr(0, path.size() - 4) + ".hpp"))
      continue;
    const std::set<std::string> set = layer_reading_set(files, path);
    if (static_cast<int>(set.size()) <= kMaxLayerFiles) continue;
    std::string list;
    for (const std::string& f : set) list += (list.empty() ? "" : ", ") + f;
    out.push_back({path, 1, "layer-files",
                   "understanding this layer takes " + std::to_string(set.size()) + " files (at most " +
                       std::to_string(kMaxLayerFiles) + " beyond the base): " + list});
  }
}

}  // namespace

std::string module_of(const std::string& path) {
  if (path == "tenet.hpp") return path;
  if (starts_with(path, "core/")) {
    std::size_t second = path.find('/', 5);
    return second == std::string::npos ? "core" : path.substr(0, second);
  }
  for (const char* top : {"layers/", "losses/", "data/"})
    if (starts_with(path, top)) return std::string(top, std::string(top).size() - 1);
  return directory_of(path);
}

std::vector<Finding> check_tree(const std::map<std::string, std::string>& files) {
  std::vector<Finding> out;
  Graph graph;
  std::map<std::string, bool> onednn;  // reaches_onednn's memo
  for (const auto& [path, text] : files) {
    const std::string from = module_of(path);
    if (is_core(from) && rank_of(from) < 0)
      out.push_back({path, 1, "wing-order", from + " is not a wing of core (docs/architecture.md)"});
    for (const Include& inc : includes_of(text)) {
      if (is_onednn_header(inc.target) && !may_include_onednn(path))
        out.push_back({path, inc.line, "onednn",
                       "includes <" + inc.target + ">: only core/kernels includes oneDNN"});
      const std::string target = resolve(files, path, inc);
      if (target.empty()) continue;
      const std::string to = module_of(target);
      if (from != to) graph[from].emplace(to, Edge{path, inc.line});
      if (speaks_onednn(from) && to == "core/kernels" && reaches_onednn(files, target, onednn))
        out.push_back({path, inc.line, "onednn",
                       "includes " + target + ", which includes oneDNN: outside core/kernels, "
                       "include only the kernels headers written in tenet's terms"});
      const std::string rule = include_rule(from, to);
      if (!rule.empty())
        out.push_back({path, inc.line, rule, rule_text(rule, from, to) + " (" + target + ")"});
    }
    if (speaks_onednn(from)) check_onednn_names(path, text, out);
    if (is_library(from) && from != "core/contracts") check_violations(path, text, out);
    check_lengths(path, text, out);
  }
  check_cycles(graph, out);
  check_layer_files(files, out);
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.path, a.line, a.rule) < std::tie(b.path, b.line, b.rule);
  });
  return out;
}

}  // namespace arch
