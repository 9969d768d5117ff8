// Suite "core/training": the tests of model_summary.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_util.hpp"
#include "support/text_file_util.hpp"

using namespace tenet;
using tenet::testing::capture;
namespace fs = std::filesystem;
using tenet::testing::has;
using tenet::testing::count;
using tenet::testing::have_tool;
using tenet::testing::read_file;

namespace {

// The DOT text with every double-quoted string removed (honouring \" and \\ inside), and
// whether each string was closed: what is left is the graph's structure.
std::string dot_skeleton(const std::string& dot, bool& balanced) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < dot.size(); ++i) {
    char c = dot[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false, out += "\"\"";
      continue;
    }
    if (c == '"') in_string = true;
    else out += c;
  }
  balanced = !in_string;
  return out;
}

const std::string kInjection = "\"];x[URL=\"javascript:alert(1)\"];y[label=\"";

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("summary lists a shared layer once: one row, its parameters counted once, every call's inputs") {
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto c = Input({8}, {.name = "wide"});
  Dense shared(4, {.name = "shared"});
  ReLU relu({.name = "relu"});
  Model m({a, b, c}, Concatenate(1)({relu(shared(a)), relu(shared(b)), relu(c)}), "siamese");
  const std::string s = m.summary_text();
  INFO(s);
  auto row = [&](const std::string& name) {
    CHECK(count(s, name) == 1);
    const auto at = s.find(name);
    return s.substr(at, s.find('\n', at) - at);
  };
  const std::string dense = row("shared (Dense)"), act = row("relu (ReLU)");
  CHECK(has(dense, "(None, 4)"));
  CHECK(has(dense, "16"));  // 3 x 4 + 4, once
  CHECK(has(dense, "left, right"));
  CHECK(has(act, "multiple"));  // (None, 4) twice and (None, 8)
  CHECK(has(act, "wide"));
  CHECK(has(s, "Total params: 16 "));
}

TEST_CASE("to_dot keeps crafted model and layer names inside their labels") {
  clear_session();
  auto in = Input({4}, {.name = "in\"put"});
  auto x = Dense(3, {.name = kInjection})(in);
  x = Dense(3, {.name = "back\\slash\\"})(x);
  x = Dense(3, {.name = "new\nline {rec|ord} <port>"})(x);
  x = Dense(2, {.name = "a&<>b'"})(x);
  Model m(in, x, "model \"quoted\" \\");
  const std::string dot = m.to_dot();
  bool balanced = false;
  const std::string skeleton = dot_skeleton(dot, balanced);
  CHECK(balanced);
  CHECK(!has(skeleton, "URL"));            // the name did not become an attribute
  CHECK(!has(skeleton, "javascript"));
  CHECK(count(skeleton, "[label=") == 5 + 4);  // 5 nodes and 4 edges, nothing more
  CHECK(!has(skeleton, "x["));
  CHECK(has(dot, "\\{rec\\|ord\\} \\<port\\>"));  // record syntax escaped in the node label
  if (!have_tool("dot")) return;
  const fs::path dir = fs::temp_directory_path() / ("tenet_dot_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "m.dot") << dot;
  const std::string cmd = "dot -Tsvg '" + (dir / "m.dot").string() + "' -o '" +
                          (dir / "m.svg").string() + "' 2>'" + (dir / "err.txt").string() + "'";
  CHECK_MESSAGE(std::system(cmd.c_str()) == 0, read_file(dir / "err.txt"));
  const std::string svg = read_file(dir / "m.svg");
  CHECK(count(svg, "class=\"node\"") == 5);  // no injected node
  CHECK(!has(svg, "<a "));                   // no link
  CHECK(!has(svg, "xlink:href"));
  fs::remove_all(dir);
}

TEST_CASE("summary shows control characters as escapes and cuts very long names") {
  clear_session();
  auto in = Input({4}, {.name = "in"});
  auto x = Dense(3, {.name = "evil\x1b[2J\rname"})(in);
  x = Dense(2, {.name = std::string(5000, 'L')})(x);
  Model m(in, x, "model\nwith a line break");
  const std::string s = m.summary_text();
  CHECK(!has(s, "\x1b"));
  CHECK(!has(s, "\r"));
  CHECK(has(s, "evil\\x1B[2J\\rname (Dense)"));
  CHECK(has(s, "Model: \"model\\nwith a line break\"\n"));
  std::istringstream lines(s);
  int rows = 0;
  for (std::string line; std::getline(lines, line); ++rows) CHECK(line.size() < 260);
  CHECK(rows == 11);  // the table has not been broken into extra lines
  CHECK(has(s, std::string(57, 'L') + "... (Dense)"));
}

TEST_CASE("a chain of 20,000 layers builds, summarises and is freed (linear, no deep recursion)") {
  clear_session();
  auto in = Input({4});
  SymbolicTensor x = in;
  for (int i = 0; i < 20000; ++i) x = Dense(4)(x);
  {
    Model m(in, x);
    CHECK(m.layers().size() == 20001);
    CHECK(has(m.summary_text(), "dense_19999 (Dense)"));
    // An error at the end of the chain shows the 12 newest calls upstream, oldest first.
    auto e = capture([&] { (void)Concatenate()({x, Input({4, 4})}); });
    CHECK(e.code() == "concat.rank");
    REQUIRE(!e.provenance().empty());
    CHECK(has(e.provenance().front(), "dense_19988 (Dense"));
    CHECK(has(e.provenance()[11], "dense_19999 (Dense"));
  }
  x = SymbolicTensor();  // the last handles go: 20,000 nodes freed without recursion
  in = SymbolicTensor();
}

}  // TEST_SUITE
