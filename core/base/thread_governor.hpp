#pragma once
// How many threads each training step of one Model runs on, chosen from the step times the
// Model measured (docs/performance.md). On two cores with one other busy process, two OpenMP
// threads wait at every barrier for a time slice and a step gets several times slower than on
// one thread. The governor tries one thread once, early, and again whenever full-count steps get
// markedly slower than before; it keeps whichever count is faster. On one thread it tries the
// full count again as soon as the machine shows an idle core (idle_cpus, from /proc/stat: the
// other process has ended), and blindly now and then (every 16 to 512 steps, less often each
// time a probe loses; every 1024 where /proc/stat reports come). Full-count steps
// slower than one thread was call a trial at once, however many trials were lost before (noise
// on an idle machine must not delay the answer to a process taking a core). On an idle machine
// it costs the one early trial and nothing after (no trials while the full count stays fast).
// A trial is two steps on the other count; only the second is judged (record).
// decisions() keeps the latest decisions for tests and train_bench --contention --trace.
//
//   ThreadGovernor g(2);
//   const int n = g.threads();   // for the coming step
//   ... run the step on n threads, measure it ...
//   g.record(n, seconds / batch);
//
// Pure bookkeeping (no clock, no OpenMP): tests drive it with made-up step times.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

namespace tenet::runtime {

class ThreadGovernor {
 public:
  // Steps between two trials of the other thread count: the shortest, and the longest.
  static constexpr std::int64_t kFirstInterval = 16;
  static constexpr std::int64_t kLongestInterval = 512;
  // A trial wins when its step took less than this share of the current count's recent steps
  // (kWinBelowSteady when the judged step is a steady window).
  static constexpr double kWinBelow = 0.9;
  // At the full count, steps this much slower than its best recent median call a trial.
  static constexpr double kSlowdown = 1.3;
  // A trial step that is a steady window (StepWindow::kSteadyFrom short steps or more: a
  // single-image predict) wins below this share of the usual time: its mean without the slowest
  // eighth is steadier than one step's time. One thread 10 % faster than two (net C's
  // single-image predict on an Intel Xeon: 35-37 against 40-41 us) lost at kWinBelow in about
  // half of the runs, which then stayed on two threads for good. (The early trial stays after
  // eight counted windows: the first windows of a new Model are slower, 49-53 us against 40, and
  // a trial judged against them won for the wrong reason.)
  static constexpr double kWinBelowSteady = 0.95;

  explicit ThreadGovernor(int max_threads) : max_(max_threads < 1 ? 1 : max_threads), current_(max_) {}

  // Idle CPUs at least this many (on average since the last report) call a full-count trial.
  static constexpr double kIdleCpus = 0.5;
  // On one thread, the reports of an idle core in a row that call a trial of the full count: 1,
  // doubled by every such trial lost, up to this (a won trial resets it).
  static constexpr int kMostIdleReports = 64;
  // On one thread with idle reports, the fewest steps between two blind probes of the full
  // count (a safety net for loads that /proc/stat shows as busy while the full count would win,
  // such as a process at a lower priority: nice).
  static constexpr std::int64_t kProbeWithReports = 1024;

  int threads() const;                             // for the coming step
  // The step just run on `threads`; one on the other count while no trial runs is ignored (it
  // began before the last decision: another thread's call on the same Model). `steady`: the
  // step is a window of many short steps (ThreadGovernors), judged at kWinBelowSteady when it
  // is a trial's.
  void record(int threads, double seconds_per_sample, bool steady = false);
  // CPUs of the machine left idle, on average, since the previous report (any process's time
  // counts as busy); a negative value: not known.
  void idle_cpus(double cpus);
  int current() const { return current_; }         // the count steps run on between trials
  int max_threads() const { return max_; }

  // One decision, for tests and train_bench's trace: at counted step `step`, a trial of
  // `threads` was called (`what` says why: "early", "slower", "idle core", "probe"), or a trial
  // step of `threads` took `seconds` per sample against the current count's `usual` ("won",
  // "lost").
  struct Decision {
    std::int64_t step;
    const char* what;
    int threads;
    double seconds, usual;
  };
  static constexpr std::size_t kTraceLength = 64;
  const std::deque<Decision>& decisions() const { return trace_; }  // the latest, oldest first
  std::int64_t trials() const { return trials_; }  // trial steps run so far
  std::int64_t steps() const { return steps_; }    // counted steps so far

 private:
  struct Times {
    std::array<double, 3> last{};  // the last three counted steps (a ring)
    std::int64_t seen = 0;         // steps run on this count, the first one not counted
    double median() const;
    bool full() const { return seen > 3; }
  };
  Times& times(int threads) { return threads == 1 ? one_ : all_; }
  void after_trial(int threads, double seconds, bool steady);
  void call_trial(const char* why);
  void note(const Decision& d);

  int max_;
  int current_;
  Times one_, all_;
  double best_all_ = 0;          // the lowest median of full-count steps so far
  double one_known_ = 0;         // the latest one-thread time (a trial's or the running median)
  std::int64_t steps_ = 0;        // counted steps
  // The first trial after eight counted steps (a model's first steps are slower: fresh memory,
  // caches); -1: none planned.
  std::int64_t next_trial_ = 8;
  std::int64_t last_trial_ = 0;
  std::int64_t interval_ = kFirstInterval;
  bool idle_known_ = false;  // idle_cpus reports come: blind probes only every kProbeWithReports
  int idle_run_ = 0;         // reports of an idle core in a row
  int idle_needed_ = 1;      // ... that call a trial of the full count
  bool idle_called_ = false; // the coming (or running) trial was called by an idle core
  bool trial_warmed_ = false;  // the running trial's first (not judged) step is done
  std::deque<Decision> trace_;
  std::int64_t trials_ = 0;
};

// Steps shorter than kSeconds are judged in windows: a governor's "step" is then a run of
// consecutive steps on one thread count that together take kSeconds (or kMostSteps steps),
// summarised by their mean time per sample without the slowest eighth. A single-image predict
// takes 40-70 us here; judged one call at a time, a timer interrupt or a host's hiccup in three
// calls in a row looked like a lost core, and a one-thread trial call that happened to be quick
// won: the full count then ran on one thread for hundreds of calls on an idle machine
// (train_bench --predict-loop A: medians 48-58 us where two threads take 45). Steps of kSeconds
// or more (a training step of batch 64) are judged one by one, as before.
class StepWindow {
 public:
  static constexpr double kSeconds = 0.002;
  static constexpr int kMostSteps = 64;
  // A window of at least this many steps is steady (ThreadGovernor::kWinBelowSteady): a
  // single-image predict's windows hold 30-50 calls, a batch-4 predict's 13-16.
  static constexpr int kSteadyFrom = 16;
  // Adds a step of `step_seconds` on `threads`; returns the window's time per sample when this
  // step completes it, else a negative value. A step on another count than the window's starts
  // a new window (the governor changed its count: the partial window is dropped).
  double add(int threads, double seconds_per_sample, double step_seconds);
  int last_steps() const { return last_steps_; }  // the steps of the window add last completed

 private:
  int threads_ = 0, count_ = 0, last_steps_ = 0;
  double seconds_ = 0;
  std::array<double, kMostSteps> per_sample_{};
};

// One governor per batch size (a step's time per sample depends on it: the last, smaller batch
// of an epoch, predict's batches), for the steps of one Model from any thread (a lock). At most
// kBatchSizes are kept: a new one past that replaces the batch size whose last step is the
// oldest, so the sizes a program keeps using keep what their governors learned.
class ThreadGovernors {
 public:
  static constexpr std::size_t kBatchSizes = 16;
  int threads(std::int64_t batch, int max_threads);  // for the coming step on `batch` samples
  // The step just run on `batch` samples and `threads` (judged in windows: StepWindow).
  void record(std::int64_t batch, int threads, double seconds_per_sample);
  void idle_cpus(double cpus);  // to every batch size's governor
  // For train_bench and tests: the state of the governor of `batch` (all zero: no step on
  // `batch` yet), and its latest decisions.
  struct State {
    int current = 0;
    std::int64_t trials = 0, steps = 0;  // counted steps: windows of short steps (StepWindow)
  };
  State state(std::int64_t batch);
  std::vector<ThreadGovernor::Decision> decisions(std::int64_t batch);

 private:
  struct Governed {
    ThreadGovernor governor;
    StepWindow window;
    std::uint64_t last_use = 0;  // the value of uses_ at this batch size's latest step
  };
  std::mutex mutex_;
  std::map<std::int64_t, Governed> by_batch_;
  std::uint64_t uses_ = 0;  // steps begun, over all batch sizes
};

// CPUs left idle, on average, between two samples, from /proc/stat's idle and iowait times:
// those of the whole machine, or of the CPUs in this process's affinity mask when it has fewer.
// sample() returns -1 when that is unknown: no /proc/stat, the first sample, less than
// kShortestWindow since the sample that counted (no file read then), or more than a second (an
// old average says little about now).
class IdleMeter {
 public:
  // The shortest window that counts: /proc/stat counts in 10 ms ticks, so a reading over 40 ms
  // is off by at most a quarter of a CPU (well inside the 0.5 of kIdleCpus either way).
  static constexpr double kShortestWindow = 0.04;
  double sample();

 private:
  std::mutex mutex_;
  double last_idle_seconds_ = -1, last_wall_seconds_ = 0;
};

}  // namespace tenet::runtime
