// check_architecture --self-test: the rules run on a small made-up tree that breaks each of
// them once (and contains the constructs the brace matching must not miscount); the findings
// must be exactly the expected ones.
#include <iostream>
#include <set>
#include <tuple>

#include "rules.hpp"

namespace {

std::string lines(int n, const std::string& text) {
  std::string s;
  for (int i = 0; i < n; ++i) s += text + "\n";
  return s;
}

// A function of `n` lines in all, whose body holds braces the scan must ignore.
std::string function_of(int n, const std::string& head) {
  return head + " {\n" +
         "  const char* s = \"}}\"; char c = '{'; // }\n"
         "  auto r = R\"x({)x\"; /* { */ int v{1};\n" +
         lines(n - 4, "  v += [] { return 1; }();") + "}\n";
}

std::map<std::string, std::string> made_up_tree() {
  std::map<std::string, std::string> t;
  t["core/base/a.hpp"] = "#pragma once\n";
  t["core/tensor/t.hpp"] = "#pragma once\n#include <tenet/core/base/a.hpp>\n";
  t["core/tensor/t.cpp"] = "#include \"core/tensor/t.hpp\"\n#include <tenet/core/ops/o.hpp>\n";
  t["core/ops/o.hpp"] = "#pragma once\n#include \"core/tensor/t.hpp\"\n";
  t["core/kernels/k.cpp"] = "#include <oneapi/dnnl/dnnl.hpp>\n";
  t["core/kernels/glue.hpp"] = "#pragma once\n#include \"core/kernels/deeper.hpp\"\n";
  t["core/kernels/deeper.hpp"] = "#pragma once\n#include <oneapi/dnnl/dnnl.hpp>\n";
  t["core/kernels/clean.hpp"] = "#pragma once\n";
  t["core/ops/uses.cpp"] =
      "#include \"core/kernels/clean.hpp\"\n#include \"core/kernels/glue.hpp\"\n";
  t["core/training/f.cpp"] = "#include \"data/w.hpp\"\n";
  t["core/extra/x.hpp"] = "#pragma once\n";
  t["data/w.hpp"] = "#pragma once\n#include <tenet/layers/l.hpp>\n";
  t["layers/l.hpp"] = "#pragma once\n#include <oneapi/dnnl/dnnl.hpp>\n";
  t["layers/l.cpp"] = "#include \"layers/l.hpp\"\nint f() { return DNNL_ARG_SRC; }\n"
                      "// dnnl::memory in a comment is no use of oneDNN\n";
  // Six files for one layer: its pair, a kernel, a helper pair and what the helper includes
  // (core/kernels/context.hpp is part of the base and not counted).
  t["layers/big.hpp"] = "#pragma once\n";
  t["layers/big.cpp"] = "#include <tenet/layers/big.hpp>\n#include \"core/kernels/clean.hpp\"\n"
                        "#include \"core/kernels/context.hpp\"\n#include \"layers/helper.hpp\"\n";
  t["layers/helper.hpp"] = "#pragma once\n#include \"layers/helper2.hpp\"\n";
  t["layers/helper.cpp"] = "#include \"layers/helper.hpp\"\n";
  t["layers/helper2.hpp"] = "#pragma once\n";
  t["core/kernels/context.hpp"] = "#pragma once\n";
  // Four files: what the kernel's .cpp includes in turn is not counted.
  t["layers/small.hpp"] = "#pragma once\n";
  t["layers/small.cpp"] = "#include <tenet/layers/small.hpp>\n#include \"core/kernels/kern.hpp\"\n";
  t["core/kernels/kern.hpp"] = "#pragma once\n";
  t["core/kernels/kern.cpp"] = "#include \"core/kernels/kern.hpp\"\n#include \"core/kernels/loops.hpp\"\n";
  t["core/kernels/loops.hpp"] = "#pragma once\n";
  t["core/kernels/loops.cpp"] = "#include \"core/kernels/loops.hpp\"\n";
  t["losses/m.cpp"] = "#include <tenet/data/w.hpp>\n";
  t["losses/v.cpp"] = "// checks::Violation(\"x\") in a comment is no construction\n"
                      "void f() { checks::Violation(\"loss.x\", p, w).raise(); }\n";
  t["core/contracts/c.cpp"] = "void g() { Violation(\"a.b\", p, w).raise(); }\n";
  t["examples/e.cpp"] = "#include <tenet/tenet.hpp>\n#include <tenet/layers/l.hpp>\n";
  t["tenet.hpp"] = "#pragma once\n#include <tenet/layers/l.hpp>\n";
  t["tests/long.cpp"] = lines(401, "int x;");
  t["tests/functions.cpp"] =
      "namespace n {\nstruct S {\n  S() : a_{1}, b_(2) {}\n  int a_, b_;\n" +
      function_of(60, "  int fits() const") + "};\n}  // namespace n\n" +  // lines 1-66
      function_of(61, "TEST_CASE(\"too long\")") +                         // lines 67-127
      "int table[] = {1, 2,\n" + lines(70, "3,") + "};\n";
  return t;
}

using Key = std::tuple<std::string, int, std::string>;

}  // namespace

int self_test() {
  const std::set<Key> want = {
      {"core/extra/x.hpp", 1, "wing-order"},
      {"core/ops/o.hpp", 2, "cycle"},
      {"core/ops/uses.cpp", 2, "onednn"},
      {"core/tensor/t.cpp", 2, "cycle"},
      {"core/tensor/t.cpp", 2, "wing-order"},
      {"core/training/f.cpp", 1, "core-above"},
      {"examples/e.cpp", 2, "examples"},
      {"layers/big.cpp", 1, "layer-files"},
      {"layers/l.cpp", 2, "onednn"},
      {"layers/l.hpp", 2, "onednn"},
      {"losses/m.cpp", 1, "sibling"},
      {"losses/v.cpp", 2, "contracts"},
      {"tests/functions.cpp", 67, "length"},
      {"tests/long.cpp", 401, "length"},
  };
  std::set<Key> got;
  for (const auto& f : arch::check_tree(made_up_tree())) {
    got.insert({f.path, f.line, f.rule});
    std::cout << f.path << ":" << f.line << ": [" << f.rule << "] " << f.message << "\n";
  }
  bool ok = true;
  for (const auto& k : want)
    if (!got.count(k)) {
      std::cout << "MISSING " << std::get<0>(k) << ":" << std::get<1>(k) << " [" << std::get<2>(k) << "]\n";
      ok = false;
    }
  for (const auto& k : got)
    if (!want.count(k)) {
      std::cout << "UNEXPECTED " << std::get<0>(k) << ":" << std::get<1>(k) << " [" << std::get<2>(k) << "]\n";
      ok = false;
    }
  std::cout << (ok ? "self-test passed\n" : "self-test FAILED\n");
  return ok ? 0 : 1;
}
