#pragma once
// The Keras-style progress bar of fit/evaluate:
//   Epoch 1/5
//   469/469 [==============================] 3s 6ms/step - accuracy: 0.8123 - loss: 0.5234
// On a terminal the line is rewritten in place; otherwise (CI logs) one line per epoch.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/callbacks.hpp"

namespace tenet {

class ProgressBar {
 public:
  // verbose: 0 silent, 1 bar (in place on a terminal), 2 one line at the end.
  ProgressBar(std::int64_t total_steps, int verbose);
  void update(std::int64_t step, const Logs& logs);  // step is 1-based
  void finish(const Logs& logs, std::int64_t steps_done);  // prints the final line

 private:
  std::string line(std::int64_t step, const Logs& logs, bool final) const;
  std::int64_t total_;
  int verbose_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_logs(const Logs& logs);  // "accuracy: 0.8123 - loss: 0.5234"

}  // namespace tenet
