#include "core/base/thread_governor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <sched.h>
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

void ThreadGovernor::record(int threads, double seconds, bool steady) {
  if (max_ == 1) return;
  // A step on the other count while no trial runs began before the last decision (another
  // thread's call on the same Model): judging it would make a trial nobody called.
  if (threads != current_ && (next_trial_ < 0 || steps_ < next_trial_)) return;
  Times& t = times(threads);
  // A trial's first step is not judged: the first on a count builds its kernels; later ones run
  // while the other count's traces linger (another core's caches hold another process's data;
  // the other count's worker threads still spin): one-thread trial steps right after two-thread
  // ones were measured at 240-370 us per image under a competitor, where a model pinned to one
  // thread took 186 over the same first steps (train_bench --contention --trace, 2026-12-07).
  if (threads != current_ && !trial_warmed_) {
    trial_warmed_ = true;
    t.seen = std::max<std::int64_t>(t.seen, 1);  // the count's kernels are built
    return;                                      // the trial goes on
  }
  if (t.seen++ == 0) return;  // the first step on a count builds its kernels
  t.last[static_cast<std::size_t>((t.seen - 2) % 3)] = seconds;
  ++steps_;
  // One thread's time, except from a trial slower than it (right after another process starts,
  // a one-thread trial can lose at up to twice the settled time): taking that time would delay
  // the next trial until the full count is slower still.
  if (threads == 1 && (threads == current_ || one_known_ == 0 || seconds < one_known_))
    one_known_ = t.full() ? t.median() : seconds;
  if (threads != current_) return after_trial(threads, seconds, steady);
  if (threads != max_ || !t.full()) return;
  const double m = t.median();
  best_all_ = best_all_ == 0 ? m : std::min(best_all_, m);
  // Slower than it was: another process may have taken a core. Try one thread, after the
  // interval, or as soon as the last three steps are all past the trial (the median is of steps
  // after it) when the full count is now slower than one thread was.
  const bool slower_than_one = one_known_ > 0 && m > one_known_ && steps_ - last_trial_ > 3;
  if (next_trial_ < 0 && m > kSlowdown * best_all_ &&
      (steps_ - last_trial_ >= interval_ || slower_than_one))
    call_trial("slower");
}

void ThreadGovernor::idle_cpus(double cpus) {
  if (cpus < 0) return;
  if (!idle_known_ && current_ == 1 && next_trial_ >= 0)  // reports call trials from now on
    next_trial_ = std::max(next_trial_, last_trial_ + kProbeWithReports);
  idle_known_ = true;
  idle_run_ = cpus >= kIdleCpus ? idle_run_ + 1 : 0;
  // A core idle for idle_needed_ reports in a row: try the full count now, however long ago the
  // last trial was (the other process has ended: back to the full count at once). idle_needed_
  // doubles with every trial an idle core called and lost (a load that comes and goes faster
  // than the reports see must not make every idle moment cost a slow step).
  if (current_ == 1 && max_ > 1 && idle_run_ >= idle_needed_ &&
      (next_trial_ < 0 || next_trial_ > steps_)) {
    idle_run_ = 0;
    idle_called_ = true;
    call_trial("idle core");
  }
}

void ThreadGovernor::call_trial(const char* why) {
  next_trial_ = steps_;
  note({steps_, why, current_ == 1 ? max_ : 1, 0, 0});
}

void ThreadGovernor::note(const Decision& d) {
  if (trace_.size() == kTraceLength) trace_.pop_front();
  trace_.push_back(d);
}

void ThreadGovernor::after_trial(int threads, double seconds, bool steady) {
  Times& now = times(current_);
  const double usual = now.full() ? now.median() : now.last[0];
  const bool won = seconds < (steady ? kWinBelowSteady : kWinBelow) * usual;  // run on it
  last_trial_ = steps_;
  ++trials_;
  note({steps_, won ? "won" : "lost", threads, seconds, usual});
  if (won) {
    current_ = threads;
    interval_ = kFirstInterval;
    idle_needed_ = 1;
    idle_run_ = 0;
    best_all_ = 0;  // the load changed: the full count's old times say nothing now
  } else if (idle_called_) {
    idle_needed_ = std::min(2 * idle_needed_, kMostIdleReports);
  } else {
    interval_ = std::min(interval_ * 2, kLongestInterval);
  }
  if (!won && current_ == max_) best_all_ = now.median();  // slower but still best: the new normal
  // On one thread, a probe of the full count after the interval (at least kProbeWithReports
  // when idle reports come: they call trials of their own); on the full count, a trial only
  // when its steps slow down again (record).
  idle_called_ = trial_warmed_ = false;
  next_trial_ = current_ == 1 ? steps_ + (idle_known_ ? std::max(interval_, kProbeWithReports)
                                                      : interval_)
                              : -1;
}

double StepWindow::add(int threads, double seconds_per_sample, double step_seconds) {
  if (threads != threads_) threads_ = threads, count_ = 0, seconds_ = 0;
  per_sample_[static_cast<std::size_t>(count_++)] = seconds_per_sample;
  seconds_ += step_seconds;
  if (seconds_ < kSeconds && count_ < kMostSteps) return -1;
  // The mean without the slowest eighth: an interrupt in a window of 40 calls moves it by
  // nothing, a core lost to another process (most calls slower) by its full cost.
  const auto first = per_sample_.begin(), last = first + count_;
  std::sort(first, last);
  const int kept = count_ - count_ / 8;
  double sum = 0;
  for (int i = 0; i < kept; ++i) sum += per_sample_[static_cast<std::size_t>(i)];
  last_steps_ = count_;
  count_ = 0;
  seconds_ = 0;
  return sum / kept;
}

int ThreadGovernors::threads(std::int64_t batch, int max_threads) {
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it == by_batch_.end() || it->second.governor.max_threads() != max_threads) {
    if (it == by_batch_.end() && by_batch_.size() >= kBatchSizes)  // bounded: forget the stalest
      by_batch_.erase(std::min_element(by_batch_.begin(), by_batch_.end(), [](auto& a, auto& b) {
        return a.second.last_use < b.second.last_use;
      }));
    it = by_batch_.insert_or_assign(batch, Governed{ThreadGovernor(max_threads), {}}).first;
  }
  it->second.last_use = ++uses_;
  return it->second.governor.threads();
}

void ThreadGovernors::record(std::int64_t batch, int threads, double seconds_per_sample) {
  // A time no clock gives (negative, NaN, infinite) is not judged: it would poison the window.
  if (!(seconds_per_sample >= 0) || !std::isfinite(seconds_per_sample)) return;
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it == by_batch_.end()) return;
  const double window = it->second.window.add(
      threads, seconds_per_sample, seconds_per_sample * static_cast<double>(batch));
  if (window >= 0)
    it->second.governor.record(threads, window,
                               it->second.window.last_steps() >= StepWindow::kSteadyFrom);
}

ThreadGovernors::State ThreadGovernors::state(std::int64_t batch) {
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it == by_batch_.end()) return {};
  const ThreadGovernor& g = it->second.governor;
  return {g.current(), g.trials(), g.steps()};
}

std::vector<ThreadGovernor::Decision> ThreadGovernors::decisions(std::int64_t batch) {
  std::lock_guard lock(mutex_);
  auto it = by_batch_.find(batch);
  if (it == by_batch_.end()) return {};
  return {it->second.governor.decisions().begin(), it->second.governor.decisions().end()};
}

void ThreadGovernors::idle_cpus(double cpus) {
  std::lock_guard lock(mutex_);
  for (auto& [batch, g] : by_batch_) g.governor.idle_cpus(cpus);
}

namespace {
// The idle and iowait seconds so far of the CPUs this process may run on, from /proc/stat: the
// "cpu" line when it may run on all of them, else the sum of its CPUs' "cpuN" lines (in a
// container limited to 2 of 64 CPUs, the machine's idle CPUs say nothing about its own); -1
// when unknown.
double allowed_idle_seconds() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const bool all = sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
                   CPU_COUNT(&allowed) >= sysconf(_SC_NPROCESSORS_ONLN);
  std::ifstream f("/proc/stat");
  std::string name;
  double user, nice, system, idle, iowait, sum = -1;
  while (f >> name >> user >> nice >> system >> idle >> iowait && name.rfind("cpu", 0) == 0) {
    f.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    if (all && name == "cpu") return (idle + iowait) / static_cast<double>(sysconf(_SC_CLK_TCK));
    if (!all && name != "cpu" && CPU_ISSET(std::stoi(name.substr(3)), &allowed))
      sum = std::max(sum, 0.0) + idle + iowait;
  }
  return sum < 0 ? -1 : sum / static_cast<double>(sysconf(_SC_CLK_TCK));
}
}  // namespace

double IdleMeter::sample() {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  if (last_idle_seconds_ >= 0 && wall - last_wall_seconds_ < kShortestWindow) return -1;
  const double idle_seconds = allowed_idle_seconds();
  if (idle_seconds < 0) return -1;
  const double previous = last_idle_seconds_, since = wall - last_wall_seconds_;
  last_idle_seconds_ = idle_seconds;
  last_wall_seconds_ = wall;
  // Over more than a second, the average says little about now: a new start.
  return previous < 0 || since > 1.0 ? -1 : (idle_seconds - previous) / since;
}

}  // namespace tenet::runtime
