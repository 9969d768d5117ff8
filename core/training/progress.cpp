#include "core/training/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace tenet {

std::string format_logs(const Logs& logs) {
  std::string s;
  char buf[64];
  for (const auto& [k, v] : logs) {
    if (k == "learning_rate") std::snprintf(buf, sizeof buf, "%.4g", v);
    else std::snprintf(buf, sizeof buf, "%.4f", v);
    s += (s.empty() ? "" : " - ") + k + ": " + buf;
  }
  return s;
}

ProgressBar::ProgressBar(std::int64_t total, int verbose, ProgressOptions options)
    : total_(total), verbose_(verbose),
      tty_(options.tty < 0 ? isatty(STDOUT_FILENO) != 0 : options.tty != 0),
      log_interval_(options.log_interval), out_(options.out ? options.out : &std::cout),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

static std::string seconds_text(double s) {
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%ds", static_cast<int>(s + 0.5));
  return buf;
}

std::string ProgressBar::line(std::int64_t step, const Logs& logs, bool final) const {
  using namespace std::chrono;
  double elapsed = duration<double>(steady_clock::now() - start_).count();
  std::string s;
  const int width = 30;
  if (total_ > 0) {
    std::string count = std::to_string(total_);
    std::string cur = std::to_string(step);
    s += std::string(count.size() - std::min(count.size(), cur.size()), ' ') + cur + "/" + count + " [";
    int filled = static_cast<int>(width * static_cast<double>(step) / static_cast<double>(total_));
    for (int i = 0; i < width; ++i) s += i < filled ? '=' : (i == filled && !final ? '>' : '.');
    s += "] ";
  } else {
    s += std::to_string(step) + "/Unknown ";
  }
  double per_step = step > 0 ? elapsed / static_cast<double>(step) : 0.0;
  if (final || total_ <= 0) s += seconds_text(elapsed);
  else s += "ETA " + seconds_text(per_step * static_cast<double>(total_ - step));
  char buf[32];
  if (per_step >= 1) std::snprintf(buf, sizeof buf, " %.1fs/step", per_step);
  else std::snprintf(buf, sizeof buf, " %.0fms/step", per_step * 1000);
  s += buf;
  std::string l = format_logs(logs);
  if (!l.empty()) s += " - " + l;
  return s;
}

void ProgressBar::update(std::int64_t step, const Logs& logs) {
  if (verbose_ != 1) return;
  auto now = std::chrono::steady_clock::now();
  if (!tty_) {  // a log: a whole line now and then, never a carriage return
    if (step == total_ || now - last_draw_ < log_interval_) return;
    last_draw_ = now;
    *out_ << line(step, logs, false) << "\n" << std::flush;
    return;
  }
  if (step != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  *out_ << "\r\033[K" << line(step, logs, false) << std::flush;
}

void ProgressBar::finish(const Logs& logs, std::int64_t steps) {
  if (verbose_ == 0) return;
  if (tty_ && verbose_ == 1) *out_ << "\r\033[K";
  *out_ << line(steps, logs, true) << "\n" << std::flush;
}

}  // namespace tenet
