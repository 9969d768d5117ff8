#pragma once
// The Keras-style progress bar of fit/evaluate:
//   Epoch 1/5
//   469/469 [==============================] 3s 6ms/step - accuracy: 0.8123 - loss: 0.5234
// On a terminal the line is rewritten in place (at most every 100 ms). Otherwise (a pipe, a file,
// a CI log) the bar prints a full line every `log_interval` of wall time (10 s by default, as a
// logger would) and one line at the end of each epoch, so a piped run never stays silent.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include <tenet/core/training/callbacks.hpp>

namespace tenet {

struct ProgressOptions {
  std::chrono::milliseconds log_interval{10000};  // not a terminal: a line at least this far apart
  std::ostream* out = nullptr;                    // default std::cout
  int tty = -1;                                   // -1: ask isatty(stdout); 0 or 1: as given
};

class ProgressBar {
 public:
  // verbose: 0 silent, 1 bar (in place on a terminal, a line every log_interval otherwise),
  // 2 one line at the end of each epoch.
  ProgressBar(std::int64_t total_steps, int verbose, ProgressOptions options = {});
  void update(std::int64_t step, const Logs& logs);  // step is 1-based
  void finish(const Logs& logs, std::int64_t steps_done);  // prints the final line

 private:
  std::string line(std::int64_t step, const Logs& logs, bool final) const;
  std::int64_t total_;
  int verbose_;
  bool tty_;
  std::chrono::milliseconds log_interval_;
  std::ostream* out_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_logs(const Logs& logs);  // "accuracy: 0.8123 - loss: 0.5234"

}  // namespace tenet
