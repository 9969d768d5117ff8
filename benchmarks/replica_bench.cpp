// replica_bench: would splitting each training step across single-thread workers keep more of
// the idle speed under one competing CPU-bound process than one thread does? (issue 21; see
// benchmarks/README.md, "Under contention: splitting the batch across workers").
//
// It measures the routes on the raw-oneDNN reference nets (no tenet code), so that a route is
// judged before tenet is rebuilt around it. Per round, idle and then with a child process
// spinning on one core (busy_process.hpp), each for `steps` steps of batch 64:
//   2 threads   one net, batch 64, OpenMP on 2 threads (oneDNN's static split)
//   1 thread    one net, batch 64, OpenMP on 1 thread
//   replicas    two std::threads, each a one-thread net on its half of the batch (32 rows),
//               meeting at a barrier after each step and summing half of a gradient-sized
//               buffer each (the work an in-process data-parallel step adds)
//   chunks K    two std::threads pulling chunks of K rows of the batch from a shared counter
//               (64 / K one-thread nets of batch K): the faster worker takes more chunks
//   chunks K pin  the same, each worker pinned to its own core (0 and 1), so that the
//               scheduler's balancer cannot put both workers on the core the competitor leaves
// and prints images/s and the CPU time the process got per second of wall time ("cores").
//
//   build/benchmarks/replica_bench [A|B|C] [steps] [rounds]
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "busy_process.hpp"
#include "cpu_model.hpp"
#include "reference/onednn_nets.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBatch = 64;

struct Batch {
  char net = 'A';
  std::vector<float> images = std::vector<float>(kBatch * 28 * 28);
  std::vector<float> thumbs = std::vector<float>(kBatch * 14 * 14);
  std::vector<std::int32_t> labels = std::vector<std::int32_t>(kBatch);
  // One step of `net` on rows [first, first + net.batch()).
  float step(tenet_bench::ReferenceNet& n, int first) const {
    const float* t = n.takes_thumbnails() ? thumbs.data() + first * 14 * 14 : nullptr;
    return n.train_step(images.data() + first * 28 * 28, t, labels.data() + first);
  }
};

struct Figure {
  double images_per_second = 0, cores = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Times `run(steps)` (which trains `steps` steps of kBatch rows) after `prepare`.
Figure timed(int steps, const std::function<void(int)>& run) {
  run(3);  // warm-up
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  run(steps);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return {kBatch * steps / wall, (cpu_seconds() - cpu0) / wall};
}

Figure one_net(const Batch& b, int threads, int steps) {
  omp_set_num_threads(threads);
  tenet_bench::ReferenceNet net = tenet_bench::make_reference(b.net, kBatch);
  return timed(steps, [&](int n) {
    for (int i = 0; i < n; i++) b.step(net, 0);
  });
}

// Two workers; `work(worker)` is one step's share of one worker, then both meet and each sums
// half of a gradient-sized buffer (net A's 225,034 values), then meet again.
Figure two_workers(int steps, const std::function<void(int)>& start_step,
                   const std::function<void(int)>& work, bool pinned = false) {
  std::barrier meet(2);
  std::vector<float> grads[2] = {std::vector<float>(225034), std::vector<float>(225034)};
  auto worker = [&](int w, int n) {
    omp_set_num_threads(1);
    if (pinned) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(w, &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    for (int i = 0; i < n; i++) {
      if (w == 0) start_step(i);
      meet.arrive_and_wait();
      work(w);
      meet.arrive_and_wait();
      const std::size_t half = grads[0].size() / 2, from = std::size_t(w) * half;
      for (std::size_t k = from; k < from + half; k++) grads[w][k] += grads[1 - w][k];
    }
    meet.arrive_and_wait();
  };
  return timed(steps, [&](int n) {
    std::thread a(worker, 0, n), b(worker, 1, n);
    a.join();
    b.join();
  });
}

Figure replicas(const Batch& b, int steps) {
  std::vector<tenet_bench::ReferenceNet> nets;
  for (int w = 0; w < 2; w++) nets.push_back(tenet_bench::make_reference(b.net, 32));
  return two_workers(steps, [](int) {}, [&](int w) { b.step(nets[w], 32 * w); });
}

Figure chunks(const Batch& b, int rows, int steps, bool pinned = false) {
  const int count = kBatch / rows;
  std::vector<tenet_bench::ReferenceNet> nets;
  for (int c = 0; c < count; c++)
    nets.push_back(tenet_bench::make_reference(b.net, rows));
  std::atomic<int> next{0};
  return two_workers(
      steps, [&](int) { next = 0; },
      [&](int) {
        for (int c; (c = next.fetch_add(1)) < count;) b.step(nets[c], c * rows);
      },
      pinned);
}

using tenet_bench::cpu_model;

void report(const char* what, const Figure& f, double idle_two_threads) {
  std::printf("  %-12s %8.0f images/s  %.2f cores", what, f.images_per_second, f.cores);
  if (idle_two_threads > 0)
    std::printf("  %.2f of idle 2 threads", f.images_per_second / idle_two_threads);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Batch b;
  b.net = argc > 1 ? argv[1][0] : 'A';
  const int steps = argc > 2 ? std::atoi(argv[2]) : 100;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  if (argc > 4 || (b.net != 'A' && b.net != 'B' && b.net != 'C') || steps < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: replica_bench [A|B|C] [steps >= 1] [rounds >= 1]\n");
    return 2;
  }
  std::mt19937 g(1);
  std::uniform_real_distribution<float> u(0, 1);
  for (float& x : b.images) x = u(g);
  for (float& x : b.thumbs) x = u(g);
  for (int i = 0; i < kBatch; i++) b.labels[i] = i % 10;
  std::printf("replica_bench: reference net %c, batch %d, %d steps per figure, CPU %s, %u "
              "processors\n", b.net, kBatch, steps, cpu_model().c_str(),
              std::thread::hardware_concurrency());
  tenet_bench::BusyProcess competitor;
  for (int r = 0; r < rounds; r++) {
    double idle_two = 0;
    for (int busy = 0; busy < 2; busy++) {
      competitor.set(busy);
      std::printf("round %d, %s:\n", r + 1, busy ? "one competing process" : "idle");
      const Figure two = one_net(b, 2, steps);
      if (!busy) idle_two = two.images_per_second;
      report("2 threads", two, busy ? idle_two : 0);
      report("1 thread", one_net(b, 1, steps), idle_two);
      report("replicas", replicas(b, steps), idle_two);
      report("chunks 16", chunks(b, 16, steps), idle_two);
      report("chunks 8", chunks(b, 8, steps), idle_two);
      report("chunks 16 pin", chunks(b, 16, steps, true), idle_two);
      report("chunks 8 pin", chunks(b, 8, steps, true), idle_two);
      std::fflush(stdout);
    }
  }
  return 0;
}
