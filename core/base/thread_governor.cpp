#include "core/base/thread_governor.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include <unistd.h>

namespace tenet::runtime {

double ThreadGovernor::Times::median() const {
  std::array<double, 3> v = last;
  std::sort(v.begin(), v.end());
  return v[1];
}

int ThreadGovernor::threads() const {
  if (max_ == 1 || next_trial_ < 0 || steps_ < next_trial_) return current_;
  return current_ == 1 ? max_ : 1;  // a trial of the other count
}

void ThreadGovernor::record(int threads, double seconds) {
  if (max_ == 1) return;
  Times& t = times(threads);
  const bool counted = t.seen++ > 0;  // the first step on a count builds its kernels
  if (!counted) return;               // a trial's first step: the trial goes on
  t.last[static_cast<std::size_t>((t.seen - 2) % 3)] = seconds;
  ++steps_;
  if (threads == 1) one_known_ = t.full() ? t.median() : seconds;
  if (threads != current_) return after_trial(threads, seconds);
  if (threads != max_ || !t.full()) return;
  const double m = t.median();
  best_all_ = best_all_ == 0 ? m : std::min(best_all_, m);
  // Slower than it was: another process may have taken a core. Try one thread, after the
  // interval, or as soon as the last three steps are all past the trial (the median is of steps
  // after it) when the full count is now slower than one thread was.
  const bool slower_than_one = one_known_ > 0 && m > one_known_ && steps_ - last_trial_ > 3;
  if (next_trial_ < 0 && m > kSlowdown * best_all_ &&
      (steps_ - last_trial_ >= interval_ || slower_than_one))
    next_trial_ = steps_;
}

void ThreadGovernor::idle_cpus(double cpus) {
  if (cpus < 0) return;
  idle_known_ = true;
  // A core is free: try the full count now, unless the last trial was lost less than an
  // interval ago (which doubles with every lost trial: a load that comes and goes, such as a
  // build, must not make every short idle moment cost a slow step).
  if (current_ == 1 && max_ > 1 && cpus >= kIdleCpus && steps_ - last_trial_ >= interval_ &&
      (next_trial_ < 0 || next_trial_ > steps_))
    next_trial_ = steps_;
}

void ThreadGovernor::after_trial(int threads, double seconds) {
  Times& now = times(current_);
  const double usual = now.full() ? now.median() : now.last[0];
  last_trial_ = steps_;
  if (seconds < kWinBelow * usual) {  // the other count wins: run on it
    current_ = threads;
    interval_ = kFirstInterval;
    best_all_ = 0;  // the load changed: the full count's old times say nothing now
  } else {
    interval_ = std::min(interval_ * 2, kLongestInterval);
    if (current_ == max_) best_all_ = now.median();  // slower but still best: the new normal
  }
  // On one thread, try the full count again when a core is idle (idle_cpus), or blindly after
  // the interval; on the full count, only when its steps slow down again (record).
  next_trial_ = current_ == 1 && !idle_known_ ? steps_ + interval_ : -1;
}

int ThreadGovernors::threads(std::int64_t batch, int max_threads) {
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it == by_batch_.end() || it->second.max_threads() != max_threads) {
    if (by_batch_.size() >= 16) by_batch_.clear();  // bounded: batch sizes of a session come and go
    it = by_batch_.insert_or_assign(batch, ThreadGovernor(max_threads)).first;
  }
  return it->second.threads();
}

void ThreadGovernors::record(std::int64_t batch, int threads, double seconds_per_sample) {
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it != by_batch_.end()) it->second.record(threads, seconds_per_sample);
}

void ThreadGovernors::idle_cpus(double cpus) {
  std::lock_guard lock(mutex_);
  for (auto& [batch, g] : by_batch_) g.idle_cpus(cpus);
}

double IdleMeter::sample() {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  if (last_idle_seconds_ >= 0 && wall - last_wall_seconds_ < 0.1) return -1;
  std::ifstream f("/proc/stat");
  std::string cpu;
  double user, nice, system, idle, iowait;
  if (!(f >> cpu >> user >> nice >> system >> idle >> iowait) || cpu != "cpu") return -1;
  const double idle_seconds = (idle + iowait) / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double previous = last_idle_seconds_, since = wall - last_wall_seconds_;
  last_idle_seconds_ = idle_seconds;
  last_wall_seconds_ = wall;
  // Over more than a second, the average says little about now: a new start.
  return previous < 0 || since > 1.0 ? -1 : (idle_seconds - previous) / since;
}

}  // namespace tenet::runtime
