// Suite "core/base": the tests of thread_governor (made-up step times: no clock involved).
#include <doctest/doctest.h>

#include <functional>

#include "core/base/thread_governor.hpp"

using tenet::runtime::ThreadGovernor;

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
  // Trials of two threads after 16, 32, 64, 128 and 256 steps, then every 512: 9 in 3000 steps.
  const int on_one = run(g, 12, 3000, busy);
  CHECK(g.current() == 1);
  CHECK(3000 - on_one == 9);
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
  CHECK(trials == 1);  // one trial when the steps slowed, none after: 1.5 is the new normal
}

TEST_CASE("thread governor with one thread at most never tries another count") {
  ThreadGovernor g(1);
  for (int i = 0; i < 100; ++i) {
    CHECK(g.threads() == 1);
    g.record(1, 5.0);
  }
}

TEST_CASE("thread governor with idle reports: no blind trials while busy, a trial as soon as a core is idle") {
  ThreadGovernor g(2);
  g.idle_cpus(0.0);
  run(g, 0, 12, busy);
  CHECK(g.current() == 1);
  for (int i = 12; i < 2000; ++i) {
    CHECK(g.threads() == 1);  // the other core stays taken: two threads never tried
    g.record(1, busy(i, 1));
    g.idle_cpus(0.1);
  }
  g.idle_cpus(1.0);  // a core idle for a moment: a trial of two threads, which loses
  CHECK(g.threads() == 2);
  g.record(2, busy(0, 2));
  CHECK(g.current() == 1);
  int trials = 0;  // idle moments right after a lost trial wait for the interval (32 steps)
  for (int i = 0; i < 40; ++i) {
    g.idle_cpus(1.0);
    trials += g.threads() == 2;
    g.record(g.threads(), g.threads() == 2 ? busy(i, 2) : busy(i, 1));
  }
  CHECK(trials == 1);
  for (int i = 0; i < 70; ++i) g.record(1, busy(i, 1));
  g.idle_cpus(1.0);  // the other process ended
  CHECK(g.threads() == 2);
  g.record(2, idle(0, 2));
  CHECK(g.current() == 2);
  g.idle_cpus(-1);  // unknown: changes nothing
  CHECK(g.threads() == 2);
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
