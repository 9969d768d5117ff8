// Suite "core/training", part "progress": the progress bar when stdout is a log rather than a terminal.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "core/training/progress.hpp"

using namespace tenet;

namespace {
int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("a progress bar written to a log prints whole lines between epochs, never a carriage return") {
  std::ostringstream out;
  {
    ProgressBar bar(10, 1, {.log_interval = std::chrono::milliseconds(0), .out = &out, .tty = 0});
    for (int step = 1; step <= 10; ++step) bar.update(step, {{"loss", 0.5}});
    bar.finish({{"loss", 0.25}}, 10);
  }
  const std::string text = out.str();
  INFO(text);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\033[") == std::string::npos);
  CHECK(count_lines(text) == 10);              // steps 1..9 as they happen, then the final line
  CHECK(text.find(" 1/10 [") != std::string::npos);
  CHECK(text.find("9/10 [") != std::string::npos);
  CHECK(text.find("loss: 0.2500") != std::string::npos);
}

TEST_CASE("a progress bar written to a log stays quiet within its interval and verbose 2 prints one line") {
  std::ostringstream quiet, once;
  {
    ProgressBar bar(100, 1, {.log_interval = std::chrono::hours(1), .out = &quiet, .tty = 0});
    for (int step = 1; step <= 100; ++step) bar.update(step, {});
    CHECK(quiet.str().empty());
    bar.finish({}, 100);
  }
  CHECK(count_lines(quiet.str()) == 1);
  {
    ProgressBar bar(100, 2, {.log_interval = std::chrono::milliseconds(0), .out = &once, .tty = 0});
    for (int step = 1; step <= 100; ++step) bar.update(step, {});
    bar.finish({}, 100);
  }
  CHECK(count_lines(once.str()) == 1);
  CHECK(once.str().find("100/100 [==============================]") != std::string::npos);
}

TEST_CASE("a progress bar on a terminal redraws in place") {
  std::ostringstream out;
  ProgressBar bar(3, 1, {.out = &out, .tty = 1});
  bar.update(3, {});
  bar.finish({}, 3);
  CHECK(out.str().find("\r\033[K") == 0);
  CHECK(count_lines(out.str()) == 1);
}

}  // TEST_SUITE
