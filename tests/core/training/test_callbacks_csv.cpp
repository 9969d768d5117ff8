// Suite "core/training": the tests of callbacks_csv.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <atomic>
#include <cmath>
#include <functional>
#include <string>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"
#include "support/text_file_util.hpp"
#include "support/hostile_io_util.hpp"

using namespace tenet;
using tenet::testing::capture;
namespace fs = std::filesystem;
using tenet::testing::has;
using tenet::testing::read_file;
using tenet::testing::HostileDir;
using tenet::testing::tiny_model;
using tenet::testing::readers;

namespace {

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

}  // namespace

namespace {

void fit_with(Sequential& m, Callback cb) {
  Tensor x = Tensor::uniform({4, 3}, 1, -1.0, 1.0);
  Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 0, 1}, {4});
  m.fit({x}, y, {.epochs = 2, .batch_size = 2, .verbose = 0, .callbacks = {cb}});
}

}  // namespace

TEST_SUITE("core/training") {

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

TEST_CASE("hostile IO: CSVLogger, write_history_csv and plot_history refuse a FIFO, device or "
          "directory with options.invalid") {
  HostileDir dir;
  const std::string fifo = dir.fifo("log.csv");
  History h;
  h.epoch = {0};
  h.history["loss"] = {0.5};
  struct Writer {
    std::string name;
    std::function<void(const std::string&)> write;
  };
  const std::vector<Writer> writers = {
      {"write_history_csv", [&](const std::string& p) { write_history_csv(h, p); }},
      {"plot_history", [&](const std::string& p) { plot_history(h, p); }},
      {"CSVLogger", [](const std::string& p) { auto m = tiny_model(); fit_with(m, CSVLogger(p)); }},
      {"CSVLogger", [](const std::string& p) {
         auto m = tiny_model();
         fit_with(m, CSVLogger(p, {.append = true}));
       }}};
  struct Target {
    std::string path, kind;
  };
  const std::vector<Target> targets = {{fifo, "a FIFO (named pipe)"},
                                       {"/dev/null", "a character device"},
                                       {dir.path.string(), "a directory"},
                                       {"", "empty"}};
  for (const auto& w : writers) {
    for (const auto& t : targets) {
      CAPTURE(w.name);
      CAPTURE(t.path);
      auto e = capture([&] { w.write(t.path); });
      CHECK(e.code() == "options.invalid");
      CHECK(has(e.what(), w.name + "'s path"));
      CHECK(has(e.what(), t.kind));
    }
  }
  struct stat st;
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));  // left as it was
  char buf[16];
  CHECK(::read(dir.reader, buf, sizeof buf) <= 0);  // nothing was written into it
}

TEST_CASE("hostile IO: CSVLogger still writes, appends and keeps rows across fits") {
  HostileDir dir;
  const std::string log = dir.file("log.csv");
  auto m = tiny_model();
  fit_with(m, CSVLogger(log));
  fit_with(m, CSVLogger(log, {.append = true}));
  std::ifstream in(log);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 5);  // one header, 2 + 2 rows
  CHECK(lines[0] == "epoch,loss");
  CHECK(lines[1].rfind("1,", 0) == 0);  // epochs count from 1, as "Epoch 1/2" and {epoch}
  CHECK(lines[3].rfind("1,", 0) == 0);  // the second fit appended its rows
  fit_with(m, CSVLogger(log));  // not append: starts over
  std::ifstream again(log);
  int rows = 0;
  while (std::getline(again, line)) ++rows;
  CHECK(rows == 3);
}

TEST_CASE("hostile api: CSVLogger refuses a separator that its unquoted values can hold") {
  // With '1' the row of epoch 1 read "11012.04...", with '.' "1.0.2.04...": unreadable logs.
  HostileDir dir;
  const std::string log = dir.file("log.csv");
  for (char sep : std::string("0123456789.+-einfaNA") + '\0') {
    CAPTURE(static_cast<int>(sep));
    auto e = capture([&] { CSVLogger(log, {.separator = sep}); });
    CHECK(e.code() == "options.invalid");
    CHECK(has(e.what(), "CSVLoggerOptions::separator"));
    CHECK(e.actual() == (sep ? std::string("\"") + sep + "\"" : std::string("\"\\x00\"")));
    CHECK(has(e.expected(), "not a digit, '.', '+', '-', 'e', a letter of inf, nan or NA"));
    if (sep) {
      CHECK(has(e.cause(), std::string("'") + sep + "' "));
      CHECK(has(e, std::string("a row such as \"1") + sep + "0.25\""));
    }
  }
  auto digit = capture([&] { CSVLogger(log, {.separator = '1'}); });
  CHECK(has(digit.cause(), "'1' is a digit, part of every number"));
  CHECK(has(digit.fix(), "use ',' (the default), ';' or '\\t'"));
  CHECK(has(capture([&] { CSVLogger(log, {.separator = '\0'}); }).cause(), "NUL"));
  // Characters no value holds still separate, and the file reads back by them.
  for (char sep : {';', '\t', ' ', '|', 'x'}) {
    CAPTURE(static_cast<int>(sep));
    auto m = tiny_model();
    fit_with(m, CSVLogger(log, {.separator = sep}));
    std::ifstream in(log);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    CHECK(header == std::string("epoch") + sep + "loss");
    REQUIRE(row.find(sep) == 1);
    CHECK(std::isfinite(std::stod(row.substr(2))));
  }
}

}  // TEST_SUITE
