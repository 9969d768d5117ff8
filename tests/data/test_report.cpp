// Suite "data": the tests of report.
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

TEST_SUITE("data") {

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

TEST_CASE("confusion_matrix refuses a fractional label instead of truncating it to a class") {
  const Tensor pred = Tensor::from_vector(std::vector<std::int64_t>{0, 2, 1}, {3});
  const Tensor frac = Tensor::from_vector(std::vector<float>{0, 2.5f, 1}, {3});
  // old: 2.5 counted as class 2, silently
  const ContractError e = capture([&] { (void)confusion_matrix(frac, pred, 3); });
  CHECK(e.code() == "loss.label_dtype");
  CHECK(e.actual() == "label 2.500000 at sample 1");
  // Whole numbers in float are class indices as before.
  const Tensor whole = Tensor::from_vector(std::vector<float>{0, 2, 1}, {3});
  const auto m = confusion_matrix(whole, pred, 3).to_vector<std::int64_t>();
  CHECK(m == std::vector<std::int64_t>{1, 0, 0, 0, 1, 0, 0, 0, 1});
}

}  // TEST_SUITE
