// train_bench --contention (see contention.hpp). The competing process is a child of this one
// (busy_process.hpp). Keras runs in a worker process (scripts/bench_keras.py --worker NET) that
// times the blocks it is asked for.
#include "contention.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench_pair.hpp"
#include "busy_process.hpp"
#include "core/training/model_state.hpp"

namespace tenet_bench {

namespace {

// The Python that has Keras: $TENET_KERAS_PYTHON (empty: none), else the virtual environment
// build/keras-venv.
std::string keras_python() {
  if (const char* p = std::getenv("TENET_KERAS_PYTHON"))  // empty: no Keras
    return access(p, X_OK) == 0 ? p : "";
  const std::string p = TENET_SOURCE_DIR "/build/keras-venv/bin/python";
  return access(p.c_str(), X_OK) == 0 ? p : std::string();
}

// scripts/bench_keras.py --worker NET: reads a number of steps per line, answers the seconds.
class KerasWorker {
 public:
  KerasWorker(const std::string& python, char net, int threads) {
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to[0], 0);
      dup2(from[1], 1);
      close(to[1]);
      close(from[0]);
      const std::string n(1, net), t = std::to_string(threads);
      execl(python.c_str(), python.c_str(), TENET_SOURCE_DIR "/scripts/bench_keras.py", "--worker",
            n.c_str(), "--threads", t.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to[0]);
    close(from[1]);
    in_ = fdopen(to[1], "w");
    out_ = fdopen(from[0], "r");
  }
  ~KerasWorker() {
    if (in_) std::fclose(in_);
    if (out_) std::fclose(out_);
    waitpid(pid_, nullptr, 0);
  }
  KerasWorker(const KerasWorker&) = delete;
  KerasWorker& operator=(const KerasWorker&) = delete;
  double seconds(int steps) {
    std::fprintf(in_, "%d\n", steps);
    std::fflush(in_);
    double s = 0;
    if (std::fscanf(out_, "%lf", &s) != 1) throw std::runtime_error("the Keras worker failed");
    return s;
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

struct Series {
  std::vector<double> idle, busy;  // images/s per round
};

void print_series(const char* what, char net, const Series& s) {
  const double i = median(s.idle), b = median(s.busy);
  std::printf("net %c %-28s idle %8.0f  busy %8.0f  busy/idle %5.2f   [%s, load %.2f]\n", net,
              what, i, b, b / i, cpu_model().c_str(), load_average());
}

// A Pair whose tenet model is built and run on a pinned thread count; tenet's own setting
// (automatic or pinned) is restored after each call.
struct PinnedPair {
  int threads, restore;
  Pair pair;
  PinnedPair(char net, const Data& d, int n, int restore_to)
      : threads(n), restore(restore_to), pair((tenet::set_num_threads(n), Pair(net, 64, d))) {
    tenet::set_num_threads(restore);
  }
  double steps(int k) {
    tenet::set_num_threads(threads);
    const double s = pair.tenet_steps(k);
    tenet::set_num_threads(restore);
    return s;
  }
};

tenet::runtime::ThreadGovernors& governors(Pair& p) {
  return tenet::model_state(p.model)->train_threads;
}

// How long tenet took to change its thread count after the load changed.
struct Adaptation {
  int steps = -1;  // steps until its governor ran on the wanted count (-1: not within the limit)
  double seconds = 0;
  std::int64_t first_step = 0;  // the governor's step count when the load changed
};

// Steps p one at a time until its governor runs p's batch on `want` threads, at most `limit`.
Adaptation adapt(Pair& p, int want, int limit) {
  Adaptation a;
  a.first_step = governors(p).state(p.batch).steps;
  const auto t0 = Clock::now();
  for (int i = 1; i <= limit && a.steps < 0; ++i) {
    p.tenet_steps(1);
    if (governors(p).state(p.batch).current == want) a.steps = i;
  }
  a.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return a;
}

void print_adaptation(const char* what, char net, const std::vector<double>& steps,
                      const std::vector<double>& lost, int missed) {
  std::printf("net %c %-44s steps %5.1f  images lost %6.0f  (medians of %zu; %d not within "
              "the limit)   [%s, load %.2f]\n",
              net, what, median(steps), median(lost), steps.size(), missed, cpu_model().c_str(),
              load_average());
}

// `rounds` times, while tenet trains without a pause: 60 idle steps, the competitor starts
// (steps until tenet runs on one thread), 60 busy steps, the competitor stops (steps until the
// full count again). Images lost: those the pinned count's speed (`one_busy` images/s for one
// thread under load, `all_idle` for the full count idle) would have trained in the same time,
// minus those trained.
void recovery(char net, Pair& p, int rounds, double one_busy, double all_idle, BusyProcess& busy,
              bool trace) {
  const int threads = tenet::num_threads();
  std::vector<double> to_one, to_all, lost_one, lost_all;
  int missed_one = 0, missed_all = 0;
  const double b = static_cast<double>(p.batch);
  for (int i = 0; i < rounds; ++i) {
    p.tenet_steps(60);
    busy.set(true);
    const Adaptation one = adapt(p, 1, 300);
    p.tenet_steps(60);
    busy.set(false);
    const Adaptation all = adapt(p, threads, 600);
    if (one.steps < 0) ++missed_one;
    else to_one.push_back(one.steps), lost_one.push_back(one.seconds * one_busy - b * one.steps);
    if (all.steps < 0) ++missed_all;
    else to_all.push_back(all.steps), lost_all.push_back(all.seconds * all_idle - b * all.steps);
    if (trace) print_decisions("    decisions:", governors(p).decisions(p.batch), one.first_step);
  }
  print_adaptation("competitor starts: steps to 1 thread", net, to_one, lost_one, missed_one);
  print_adaptation(("competitor stops: steps to " + std::to_string(threads) + " threads").c_str(),
                   net, to_all, lost_all, missed_all);
}

// For scale, the same start of the competitor with tenet pinned to one thread: images/s over the
// first 20 steps after it starts, and over the next 20 (the scheduler settled).
void pinned_start(char net, PinnedPair& one, int rounds, BusyProcess& busy) {
  std::vector<double> first, next;
  const double images = 20.0 * 64;
  for (int i = 0; i < rounds; ++i) {
    one.steps(20);
    busy.set(true);
    first.push_back(images / one.steps(20));
    next.push_back(images / one.steps(20));
    busy.set(false);
  }
  std::printf("net %c pinned 1 thread, competitor starts: first 20 steps %6.0f images/s, next 20 "
              "%6.0f  (medians of %zu)   [%s, load %.2f]\n",
              net, median(first), median(next), first.size(), cpu_model().c_str(), load_average());
}

void contention_net(char net, const Data& d, int rounds, int steps, BusyProcess& busy, bool trace) {
  const int threads = tenet::num_threads();
  const int restore = tenet::adaptive_threads() ? 0 : threads;  // tenet's setting after a pin
  Pair p(net, 64, d);
  PinnedPair one(net, d, 1, restore), all(net, d, threads, restore);
  const std::string python = keras_python();
  std::unique_ptr<KerasWorker> keras;
  if (!python.empty()) keras = std::make_unique<KerasWorker>(python, net, threads);
  Series settle, t, t1, tn, r, k;
  const double images = static_cast<double>(steps * 64);
  auto block = [&](bool running) {
    busy.set(running);
    // tenet's first steps after the load changed, while it adapts; then its steady speed.
    (running ? settle.busy : settle.idle).push_back(10 * 64 / p.tenet_steps(10));
    (running ? t.busy : t.idle).push_back(images / p.tenet_steps(steps));
    (running ? t1.busy : t1.idle).push_back(images / one.steps(steps));
    (running ? tn.busy : tn.idle).push_back(images / all.steps(steps));
    (running ? r.busy : r.idle).push_back(images / p.reference_steps(steps));
    if (keras) (running ? k.busy : k.idle).push_back(images / keras->seconds(steps));
    busy.set(false);
  };
  p.tenet_steps(5), p.reference_steps(5), one.steps(5), all.steps(5);
  if (keras) keras->seconds(5);
  for (int i = 0; i < rounds; ++i) block(i % 2 == 1), block(i % 2 == 0);
  print_series("tenet, 10 steps after change", net, settle);
  print_series("tenet", net, t);
  print_series("tenet, pinned 1 thread", net, t1);
  print_series(("tenet, pinned " + std::to_string(threads) + " threads").c_str(), net, tn);
  print_series("reference", net, r);
  if (keras) print_series("Keras", net, k);
  else std::printf("net %c Keras: no Python with Keras found (TENET_KERAS_PYTHON)\n", net);
  std::fflush(stdout);
  if (!tenet::adaptive_threads()) return;
  recovery(net, p, std::max(rounds, 5), median(t1.busy), median(tn.idle), busy, trace);
  pinned_start(net, one, std::max(rounds, 5), busy);
  std::fflush(stdout);
}

}  // namespace

int contention(const Data& d, const std::string& nets, int rounds, int steps, bool trace) {
  BusyProcess busy;
  std::printf("training under one competing CPU-bound process, %d threads (tenet %s), batch 64, "
              "medians of %d idle and %d busy blocks of %d steps (alternating), images/s\n",
              tenet::num_threads(), tenet::adaptive_threads() ? "adaptive" : "pinned", rounds,
              rounds, steps);
  for (char n : nets) contention_net(n, d, rounds, steps, busy, trace);
  return 0;
}

int idle_cost(const Data& d, const std::string& nets, int rounds, int steps) {
  if (!tenet::adaptive_threads()) throw std::runtime_error("--idle-cost needs the automatic count (unset OMP_NUM_THREADS)");
  const int threads = tenet::num_threads();
  std::printf("idle cost of the automatic thread count: no competing process, %d rounds of %d "
              "steps, automatic and pinned %d threads alternating (ABBA), batch 64   [%s, load %.2f]\n",
              rounds, steps, threads, cpu_model().c_str(), load_average());
  for (char net : nets) {
    Pair p(net, 64, d);
    PinnedPair all(net, d, threads, 0);
    p.tenet_steps(30), all.steps(30);  // past the early trial (step 9) and the first slow steps
    const std::int64_t trials_before = governors(p).state(64).trials;
    std::vector<double> ratio, automatic, pinned;
    const double images = static_cast<double>(steps * 64);
    for (int i = 0; i < rounds; ++i) {
      double a = 0, n = 0;
      if (i % 2 == 0) a = images / p.tenet_steps(steps), n = images / all.steps(steps);
      else n = images / all.steps(steps), a = images / p.tenet_steps(steps);
      automatic.push_back(a), pinned.push_back(n), ratio.push_back(a / n);
    }
    std::sort(ratio.begin(), ratio.end());
    std::printf("net %c automatic %8.0f  pinned %d threads %8.0f images/s  automatic/pinned median "
                "%.3f (quartiles %.3f-%.3f), trials %lld in %d steps, on %d threads at the end   [%s, load %.2f]\n",
                net, median(automatic), threads, median(pinned), median(ratio), ratio[ratio.size() / 4],
                ratio[(3 * ratio.size()) / 4], static_cast<long long>(governors(p).state(64).trials - trials_before),
                rounds * steps, governors(p).state(64).current, cpu_model().c_str(), load_average());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace tenet_bench
