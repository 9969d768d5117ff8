// Suite "core/base": the tests of thread_governor (made-up step times: no clock involved).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <cmath>
#include <limits>
#include <functional>
#include <string>

#include "core/base/thread_governor.hpp"

using tenet::runtime::StepWindow;
using tenet::runtime::ThreadGovernor;
using tenet::runtime::ThreadGovernors;

namespace {

// Runs `steps` steps whose time per sample on n threads is seconds(step, n); returns how many
// ran on one thread.
int run(ThreadGovernor& g, int from, int steps, const std::function<double(int, int)>& seconds) {
  int on_one = 0;
  for (int i = from; i < from + steps; ++i) {
    const int n = g.threads();
    on_one += n == 1;
    g.record(n, seconds(i, n));
  }
  return on_one;
}

// As run, with an idle report after each one-thread step as GovernedStep sends (here one per
// step: the meter's window, 40 ms, is a few steps of a small net): idle_cpus(step).
struct Reported {
  int on_one = 0;          // steps on one thread
  double seconds = 0;      // the steps' total time
  int switched_after = -1;  // steps until the count first changed
};
Reported run_reported(ThreadGovernor& g, int from, int steps,
                      const std::function<double(int, int)>& seconds,
                      const std::function<double(int)>& idle_cpus) {
  Reported r;
  const int was = g.current();
  for (int i = from; i < from + steps; ++i) {
    const int n = g.threads();
    r.on_one += n == 1;
    r.seconds += seconds(i, n);
    g.record(n, seconds(i, n));
    if (n == 1) g.idle_cpus(idle_cpus(i));
    if (r.switched_after < 0 && g.current() != was) r.switched_after = i - from + 1;
  }
  return r;
}

double idle(int, int n) { return n == 1 ? 1.9 : 1.0; }  // two threads 1.9x faster
double busy(int, int n) { return n == 1 ? 1.9 : 5.0; }  // two threads wait at every barrier

}  // namespace

TEST_SUITE("core/base") {

TEST_CASE("thread governor, idle machine: one early trial of one thread, then the full count only") {
  ThreadGovernor g(2);
  // After eight counted steps; the trial's first step builds its kernels and is not counted:
  // two steps on one thread.
  CHECK(run(g, 0, 12, idle) == 2);
  CHECK(g.current() == 2);
  CHECK(run(g, 12, 5000, idle) == 0);  // no periodic trials while the full count stays fast
}

TEST_CASE("thread governor, busy from the start: one thread after the first trial, full-count trials back off") {
  ThreadGovernor g(2);
  CHECK(run(g, 0, 12, busy) == 2 + 1);  // the trial at step 9, then on one thread
  CHECK(g.current() == 1);
  // Trials of two threads after 16, 32, 64, 128 and 256 steps, then every 512: 9 in 3000 steps,
  // two steps each (the first is not judged).
  const int on_one = run(g, 12, 3000, busy);
  CHECK(g.current() == 1);
  CHECK(3000 - on_one == 2 * 9);
}

TEST_CASE("thread governor follows the load: one thread while another process runs, the full count after") {
  ThreadGovernor g(2);
  auto load = [](int step, int n) { return step >= 200 && step < 600 ? busy(step, n) : idle(step, n); };
  run(g, 0, 200, load);
  CHECK(g.current() == 2);
  run(g, 200, 12, load);  // slow steps call a trial: one thread wins
  CHECK(g.current() == 1);
  run(g, 212, 388, load);
  CHECK(g.current() == 1);
  run(g, 600, 520, load);  // the next trial of two threads (at most 512 steps away) wins
  CHECK(g.current() == 2);
}

TEST_CASE("thread governor: lost trials on a noisy idle machine do not delay one thread when a core is taken") {
  ThreadGovernor g(2);
  // Idle, but every 60 steps three steps 1.5x slower: each calls a trial of one thread, which
  // loses, and the interval between slowdown trials grows to 512 steps.
  auto noisy = [](int step, int n) { return step % 60 < 3 ? 1.5 * idle(step, n) : idle(step, n); };
  const int trials = run(g, 0, 3000, noisy);
  CHECK(g.current() == 2);
  CHECK(trials >= 2 * 5);  // the early trial and at least four noise trials, two steps each
  // Another process takes a core: two threads are now slower than one thread was.
  run(g, 3000, 12, busy);
  CHECK(g.current() == 1);
}

TEST_CASE("thread governor: a slowdown that two threads still win keeps them and moves the baseline") {
  ThreadGovernor g(2);
  auto load = [](int step, int n) { return step >= 100 ? (n == 1 ? 1.9 : 1.5) : idle(step, n); };
  run(g, 0, 100, load);
  const int trials = run(g, 100, 2000, load);
  CHECK(g.current() == 2);
  CHECK(trials == 2);  // one trial (two steps) when the steps slowed, none after: 1.5 is the new normal
}

TEST_CASE("thread governor with one thread at most never tries another count") {
  ThreadGovernor g(1);
  for (int i = 0; i < 100; ++i) {
    CHECK(g.threads() == 1);
    g.record(1, 5.0);
  }
}

TEST_CASE("thread governor with idle reports: few blind probes while busy, a trial as soon as a core is idle") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run(g, 0, 12, busy);
  CHECK(g.current() == 1);
  // The other core stays taken: blind probes of two threads (two steps each) every 1024 steps.
  CHECK(2000 - run_reported(g, 12, 2000, busy, [](int) { return 0.1; }).on_one == 2 * 1);
  CHECK(g.current() == 1);
  g.idle_cpus(1.0);  // a core idle for a moment: a trial of two threads, which loses
  CHECK(g.threads() == 2);
  g.record(2, busy(0, 2));  // its first step warms the other core up: not judged
  CHECK(g.threads() == 2);
  g.record(2, busy(0, 2));
  CHECK(g.current() == 1);
  CHECK(g.decisions().back().what == std::string("lost"));
  g.idle_cpus(1.0);  // after a lost trial, one idle report is not enough: two in a row are
  CHECK(g.threads() == 1);
  g.idle_cpus(1.0);
  CHECK(g.threads() == 2);
  g.record(2, idle(0, 2));
  g.record(2, idle(0, 2));  // the other process ended: two threads win
  CHECK(g.current() == 2);
  CHECK(g.decisions().back().what == std::string("won"));
  g.idle_cpus(-1);  // unknown: changes nothing
  CHECK(g.threads() == 2);
}

TEST_CASE("thread governor: the competitor leaves, back to two threads two steps after an idle report") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  // Long busy, with blind probes lost (the interval between them now 512 steps).
  run_reported(g, 0, 3000, busy, [](int) { return 0.0; });
  CHECK(g.current() == 1);
  // The other process ends: the first idle report calls a trial at once.
  const Reported r = run_reported(g, 3000, 100, idle, [](int) { return 1.0; });
  CHECK(g.current() == 2);
  CHECK(r.switched_after == 3);  // a step on one thread (then the report), the trial's two steps
}

TEST_CASE("thread governor: a slow first step of two threads after a long time on one does not lose the idle-called trial") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run_reported(g, 0, 500, busy, [](int) { return 0.0; });
  CHECK(g.current() == 1);
  // The other process ends; the first two-thread step is as slow as one thread (the other
  // core's caches are cold), the next ones are fast.
  int two_thread_steps = 0;
  auto cold = [&](int, int n) { return n == 1 ? 1.9 : (two_thread_steps++ == 0 ? 1.9 : 1.0); };
  const Reported r = run_reported(g, 500, 20, cold, [](int) { return 1.0; });
  CHECK(g.current() == 2);
  CHECK(r.switched_after == 3);  // a one-thread step, the trial's first step, its judged step
}

TEST_CASE("thread governor: a one-thread trial that loses right after another process starts does not delay the next one") {
  ThreadGovernor g(2);
  run(g, 0, 200, idle);
  CHECK(g.current() == 2);
  // Another process starts: two threads get slower (1.5, then 3.5), and the first one-thread
  // trial, while that process has no core of its own yet, takes 4.0 and loses.
  int one_thread_steps = 0;
  auto starting = [&](int step, int n) {
    if (n == 1) return one_thread_steps++ < 2 ? 4.0 : 1.9;
    return step < 203 ? 1.5 : 3.5;
  };
  int steps = 0;
  while (g.current() == 2 && steps < 100) run(g, 200 + steps++, 1, starting);
  CHECK(g.current() == 1);
  CHECK(steps <= 10);
  CHECK(g.decisions().back().what == std::string("won"));
}

TEST_CASE("thread governor: after idle reports that lied, the competitor leaving still takes a bounded number of reports") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run_reported(g, 0, 12, busy, [](int) { return 0.0; });
  // /proc/stat shows an idle core while two threads lose (a load that comes and goes faster
  // than the reports see): idle-called trials back off to one per kMostIdleReports reports.
  const Reported lying = run_reported(g, 12, 3000, busy, [](int) { return 1.0; });
  CHECK(g.current() == 1);
  CHECK(3000 - lying.on_one <= 2 * (7 + 3000 / ThreadGovernor::kMostIdleReports + 3000 / 1024));
  // Costs: the trials' extra time against one thread throughout, under 10% here (one report per
  // step; the meter reports at most every 40 ms, several steps for a small net).
  CHECK(lying.seconds < 1.1 * 3000 * busy(0, 1));
  // The load leaves: two threads within kMostIdleReports + 2 steps, whatever the reports said before.
  const Reported r = run_reported(g, 3012, 100, idle, [](int) { return 1.0; });
  CHECK(g.current() == 2);
  CHECK(r.switched_after <= ThreadGovernor::kMostIdleReports + 2);
}

TEST_CASE("thread governor: the competitor stays, trials cost under 1% of the one-thread time") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run_reported(g, 0, 100, busy, [](int) { return 0.0; });
  CHECK(g.current() == 1);
  const Reported r = run_reported(g, 100, 5000, busy, [](int) { return 0.0; });
  CHECK(g.current() == 1);
  CHECK(r.seconds < 1.01 * 5000 * busy(0, 1));
  CHECK(r.seconds > 5000 * busy(0, 1));  // the blind probes, which all lose, are there
}

TEST_CASE("thread governor: a load that /proc/stat shows as busy but two threads win is found by a blind probe") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run_reported(g, 0, 100, busy, [](int) { return 0.0; });
  CHECK(g.current() == 1);
  // A process at a lower priority (nice): the machine looks busy, two threads are fast.
  const Reported r = run_reported(g, 100, 1200, idle, [](int) { return 0.0; });
  CHECK(g.current() == 2);
  CHECK(r.switched_after <= ThreadGovernor::kProbeWithReports + 2);
}

TEST_CASE("thread governors keep one history per batch size") {
  tenet::runtime::ThreadGovernors g;
  // Batch 64 trains busy (one thread wins), batch 8 idle: each decides on its own steps.
  for (int i = 0; i < 40; ++i)
    for (std::int64_t batch : {64, 8}) {
      const int n = g.threads(batch, 2);
      g.record(batch, n, batch == 64 ? busy(i, n) : idle(i, n));
    }
  CHECK(g.threads(64, 2) == 1);
  CHECK(g.threads(8, 2) == 2);
  CHECK(g.threads(64, 4) == 4);  // another maximum (set_num_threads changed): starts afresh
}

}  // TEST_SUITE
