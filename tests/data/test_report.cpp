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

TEST_CASE("hostile api: confusion_svg and top_confusions refuse what is not a matrix of counts") {
  // A (5, 3) matrix was read past its end (15 values read as 25); rank 1 too.
  auto e = capture([] { (void)confusion_svg(Tensor::zeros({5, 3}, DType::i64)); });
  CHECK(e.code() == "input.rank");
  CHECK(e.expected() == "(classes, classes)");
  CHECK(e.actual() == "(5, 3)");
  CHECK(has(e.cause(), "as many columns as rows"));
  e = capture([] { (void)top_confusions(Tensor::zeros({4}, DType::i64), 3); });
  CHECK(e.code() == "input.rank");
  CHECK(has(e.cause(), "one row and one column per class"));
  // Negative, fractional or NaN counts shaded cells outside white..blue.
  e = capture([] {
    (void)confusion_svg(Tensor::from_vector(std::vector<std::int64_t>{3, -1, 0, 2}, {2, 2}));
  });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.what(), "confusion_svg's matrix[0][1]"));
  CHECK(e.actual() == "-1");
  CHECK(has(e.cause(), "whole number of 0 or more"));
  e = capture([] { (void)top_confusions(Tensor::from_vector(std::vector<float>{1, 0.5f, 0, 1}, {2, 2}), 1); });
  CHECK(has(e.what(), "top_confusions' matrix[0][1]"));
  const double big = 0x1p61;
  e = capture([&] { (void)confusion_svg(Tensor::from_vector(std::vector<double>{big, big, big, 1}, {2, 2})); });
  CHECK(has(e.cause(), "row 0's counts add up past 2^62"));
  // One name per class, or none.
  e = capture([] { (void)confusion_svg(Tensor::zeros({3, 3}, DType::i64), {"cat", "dog"}); });
  CHECK(e.code() == "options.invalid");
  CHECK(e.actual() == "2 names");
  CHECK(has(e.expected(), "one per class (3)"));
  // Counts in float (a matrix summed by hand) are fine when whole.
  const Tensor m = Tensor::from_vector(std::vector<float>{5, 1, 2, 7}, {2, 2});
  CHECK(has(confusion_svg(m, {"no", "yes"}), ">yes</text>"));
  CHECK(top_confusions(m, 1)[0].count == 2);
}

TEST_CASE("hostile api: plot_history refuses epochs it cannot draw") {
  const fs::path path = fs::temp_directory_path() / ("tenet_hist_" + std::to_string(::getpid()) + ".svg");
  History h;
  h.history = {{"loss", {1.0, 0.5}}};
  h.epoch = {0, 2147483647};  // its label loop overflowed int (undefined behaviour)
  auto e = capture([&] { plot_history(h, path.string()); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.what(), "plot_history's History::epoch[1]"));
  CHECK(e.actual() == "2147483647");
  h.epoch = {3, 1};
  e = capture([&] { plot_history(h, path.string()); });
  CHECK(has(e.cause(), "does not follow epoch[0] = 3"));
  h.epoch = {-1, 0};
  CHECK(capture([&] { plot_history(h, path.string()); }).actual() == "-1");
  h.epoch = {0};  // two values for one epoch: the second had no place
  e = capture([&] { plot_history(h, path.string()); });
  CHECK(has(e.what(), "History::history[\"loss\"]"));
  CHECK(e.actual() == "2 values");
  CHECK(!fs::exists(path));
  // Far epochs that fit: labels every 10^8, written in a moment.
  h.epoch = {0, 1000000000};
  plot_history(h, path.string());
  CHECK(has(read_file(path), ">1000000001</text>") == false);
  CHECK(has(read_file(path), ">1000000000</text>"));
  // fit(epochs = INT_MAX, initial_epoch = INT_MAX - 1) numbers its one epoch 2147483646:
  // plot_history and write_history_csv take that History (the first limit, 2^30, refused it).
  h.epoch = {2147483646};
  h.history = {{"loss", {0.5}}};
  plot_history(h, path.string());
  CHECK(has(read_file(path), ">2147483647</text>"));
  const fs::path csv = fs::path(path).replace_extension(".csv");
  write_history_csv(h, csv.string());
  CHECK(has(read_file(csv), "2147483647,0.5"));
  h.epoch = {0, 2147483647};
  h.history = {{"loss", {1.0, 0.5}}};
  e = capture([&] { write_history_csv(h, csv.string()); });  // its row would print -2147483648
  CHECK(has(e.what(), "write_history_csv's History::epoch[1]"));
  CHECK(has(e.expected(), "at most 2147483646 (fit's last)"));
  fs::remove(csv);
  fs::remove(path);
}

}  // TEST_SUITE
