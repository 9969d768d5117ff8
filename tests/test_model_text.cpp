// Suite "model", part "text": user-supplied names written into DOT (to_dot), the summary table,
// SVG charts and CSV files; ModelCheckpoint's path template checked at construction and at the
// first epoch; and building a long chain of layers (linear time, no deep recursion).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have_tool(const char* name) {
  return std::system(("command -v " + std::string(name) + " >/dev/null 2>&1").c_str()) == 0;
}

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

int count(const std::string& s, const std::string& part) {
  int n = 0;
  for (auto i = s.find(part); i != std::string::npos; i = s.find(part, i + 1)) ++n;
  return n;
}

// RFC 4180 records: quoted fields may hold separators, doubled quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, char sep = ',') {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (c == '"') quoted = false;
      else rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

const std::string kInjection = "\"];x[URL=\"javascript:alert(1)\"];y[label=\"";

}  // namespace

TEST_SUITE("model") {

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

TEST_CASE("plot_history writes well-formed SVG whatever the title") {
  History h;
  h.epoch = {0, 1};
  h.history = {{"loss", {1.0, 0.5}}, {"accuracy", {0.4, 0.6}}};
  const fs::path path = fs::temp_directory_path() / ("tenet_svg_" + std::to_string(::getpid()) + ".svg");
  plot_history(h, path.string(), "Loss & <accuracy> \"x\" 'y' \x01 \xff</svg>");
  const std::string svg = read_file(path);
  CHECK(has(svg, "Loss &amp; &lt;accuracy&gt; &quot;x&quot; &apos;y&apos; \xEF\xBF\xBD \xEF\xBF\xBD&lt;/svg&gt;"));
  CHECK(count(svg, "</svg>") == 1);
  if (have_tool("python3")) {
    const std::string cmd = "python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' '" +
                            path.string() + "'";
    CHECK(std::system(cmd.c_str()) == 0);
  }
  fs::remove(path);
}

TEST_CASE("CSV files quote log names with separators, quotes and line breaks (RFC 4180)") {
  clear_session();
  const std::string key = "say \"hi\", then\nbye";
  const fs::path path = fs::temp_directory_path() / ("tenet_csv_" + std::to_string(::getpid()) + ".csv");
  auto in = Input({2});
  Model m(in, Dense(1, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  auto add_key = LambdaCallback({.on_epoch_end = [&](Model&, int, Logs& logs) { logs[key] = 1.5; }});
  m.fit(Tensor::ones({4, 2}), Tensor::zeros({4, 1}),
        {.epochs = 2, .verbose = 0, .callbacks = {add_key, CSVLogger(path.string())}});
  auto rows = parse_csv(read_file(path));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == std::vector<std::string>{"epoch", "loss", key});
  CHECK(rows[1].size() == 3);
  CHECK(rows[2][2] == "1.5");
  History h;
  h.epoch = {0};
  h.history = {{"a,b", {1.0}}, {key, {2.0}}};
  write_history_csv(h, path.string());
  rows = parse_csv(read_file(path));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<std::string>{"epoch", "a,b", key});
  CHECK(rows[1] == std::vector<std::string>{"1", "1", "2"});
  fs::remove(path);
  for (char sep : {'"', '\n', '\r'}) {
    auto e = capture([&] { CSVLogger(path.string(), {.separator = sep}); });
    CHECK(e.code() == "options.invalid");
    CHECK(has(e.what(), "CSVLoggerOptions::separator"));
  }
}

TEST_CASE("ModelCheckpoint: a key the first epoch does not log is refused at that epoch") {
  clear_session();
  const fs::path dir = fs::temp_directory_path() / ("tenet_ckpt_" + std::to_string(::getpid()));
  auto in = Input({2});
  Model m(in, Dense(1, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  // save_best_only on a monitor that never improves used to skip every save, so the bad key was
  // never noticed; it is now refused when the first epoch ends.
  auto e = capture([&] {
    m.fit(Tensor::ones({4, 2}), Tensor::zeros({4, 1}),
          {.epochs = 3, .verbose = 0,
           .callbacks = {ModelCheckpoint((dir / "{val_accuracy:.2f}.h5").string(),
                                         {.monitor = "val_loss", .save_best_only = true})}});
  });
  CHECK(e.code() == "callback.filepath");
  CHECK(e.actual() == "{val_accuracy}");
  CHECK(has(e.expected(), "epoch, loss"));
  CHECK(has(e.cause(), "validation_split or validation_data"));
  CHECK(m.history().epoch.size() == 1);  // raised at the end of the first epoch
  CHECK(!fs::exists(dir));
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

TEST_CASE("the size origin of a long 'same' chain names the layer that changed the size") {
  clear_session();
  auto in = Input({32, 32, 3});
  auto x = Conv2D(4, {5, 5}, {.name = "shrink"})(in);  // valid: 28x28
  for (int i = 0; i < 50; ++i) x = Conv2D(4, {3, 3}, {.padding = Padding::same})(x);
  auto e = capture([&] { (void)Concatenate()({x, Input({32, 32, 4})}); });
  CHECK(e.code() == "concat.shape");
  CHECK(has(e.cause(), "'shrink' applies a 5x5 kernel with padding \"valid\" to 32x32, giving 28x28"));
}

}  // TEST_SUITE
