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

}  // TEST_SUITE
