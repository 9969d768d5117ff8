// train_bench --mpi (benchmarks/mpi_bench.hpp): 1 rank x 2 threads against 2 ranks x 1 thread.
#include "mpi_bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "core/training/distributed.hpp"

using namespace tenet;

namespace tenet_bench {

namespace {

std::vector<Tensor> inputs(const Data& d, char net, std::int64_t rows) {
  std::vector<Tensor> x{slice(d.images, 0, 0, rows)};
  if (net == 'C') x.push_back(slice(d.thumbs, 0, 0, rows));
  return x;
}

// Median milliseconds of one sum of `n` floats across the ranks, in buckets of `bucket` bytes.
double allreduce_ms(std::size_t n, std::size_t bucket) {
  std::vector<float> buffer(n, 1.0f);
  const distributed::mpi::Wait wait{"train_bench's allreduce", 60, Site("train_bench", "benchmark")};
  std::vector<double> ms;
  for (int i = 0; i < 25; ++i) {
    auto t0 = Clock::now();
    distributed::mpi::sum(buffer.data(), n, bucket, wait);
    if (i >= 5) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(ms);
}

// The child's output line: seconds, collective seconds, allreduce ms (4 MiB and 64 KiB buckets).
std::vector<double> run_child(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::vector<double> v(4, 0.0);
  if (!pipe || std::fscanf(pipe.get(), "%lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3]) != 4)
    throw std::runtime_error("no result from: " + command);
  return v;
}

std::string self_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "train_bench";
}

}  // namespace

int mpi_child(char net, int steps, bool sync) {
  Data d = load(64 * (steps + 5));
  Model m = build_net(net);
  compile(m);
  FitOptions o{.epochs = 1, .batch_size = 64, .shuffle = false, .verbose = 0};
  const bool parallel = distributed::size() > 1;
  if (parallel) o.distribution = MpiDataParallel{.sync_batch_norm = sync};
  m.fit(inputs(d, net, 5 * 64), slice(d.labels, 0, 0, 5 * 64), o);  // warm-up: 5 steps
  const double c0 = distributed::collective_seconds();
  auto t0 = Clock::now();
  m.fit(inputs(d, net, steps * 64), slice(d.labels, 0, 0, steps * 64), o);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double collective = distributed::collective_seconds() - c0;
  const auto params = static_cast<std::size_t>(m.count_params());
  const double ar = parallel ? allreduce_ms(params, 4 << 20) : 0.0;
  const double ar64 = parallel ? allreduce_ms(params, 64 << 10) : 0.0;
  if (distributed::rank() == 0) std::printf("%.6f %.6f %.4f %.4f\n", seconds, collective, ar, ar64);
  return 0;
}

int mpi_bench(char net, int rounds, int steps) {
  if (!distributed::built_with_mpi()) {
    std::fprintf(stderr, "train_bench --mpi: tenet was built without MPI (TENET_MPI off)\n");
    return 1;
  }
  const std::string child = self_path() + " --mpi-child " + std::string(1, net) + " " +
                            std::to_string(steps);
  const std::string one = "OMP_NUM_THREADS=2 " + child + " replica";
  const std::string mpirun = "mpirun --allow-run-as-root --oversubscribe -np 2 -x OMP_NUM_THREADS=1 ";
  const std::string two = mpirun + child + " replica", synced = mpirun + child + " sync";
  std::printf("net %c, global batch 64, %d steps per run, %d alternating rounds\n", net, steps, rounds);
  std::printf("%-6s %13s %13s %10s %12s %13s %12s %13s %15s\n", "round", "1x2 images/s",
              "2x1 images/s", "2x1 / 1x2", "collective %", "sync BN /s", "collective %",
              "allreduce ms", "64 KiB buckets");
  std::vector<double> a, b, share, c, cshare, ar, ar64;
  auto row = [&](const std::string& name, std::size_t i) {
    std::printf("%-6s %13.0f %13.0f %10.2f %12.1f %13.0f %12.1f %13.3f %15.3f\n", name.c_str(),
                a[i], b[i], b[i] / a[i], share[i], c[i], cshare[i], ar[i], ar64[i]);
    std::fflush(stdout);
  };
  for (int r = 0; r < rounds; ++r) {
    const std::vector<double> x = run_child(one), y = run_child(two), z = run_child(synced);
    a.push_back(64.0 * steps / x[0]);
    b.push_back(64.0 * steps / y[0]);
    share.push_back(100 * y[1] / y[0]);
    c.push_back(64.0 * steps / z[0]);
    cshare.push_back(100 * z[1] / z[0]);
    ar.push_back(y[2]);
    ar64.push_back(y[3]);
    row(std::to_string(r + 1), a.size() - 1);
  }
  for (auto* v : {&a, &b, &share, &c, &cshare, &ar, &ar64}) v->push_back(median(*v));
  row("median", a.size() - 1);
  std::printf("(collective %%: share of the 2-rank fit's time in the step's agreement, gradient "
              "and log sums and BatchNorm exchanges, waiting for the other rank included; sync "
              "BN: 2 ranks with MpiDataParallel::sync_batch_norm; allreduce ms: one sum of all "
              "the net's parameters as float32, in 4 MiB / 64 KiB buckets)\n");
  return 0;
}

}  // namespace tenet_bench
