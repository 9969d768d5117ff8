// train_bench: tenet against the raw-oneDNN reference (benchmarks/reference), in one process,
// alternating, on the same Fashion-MNIST batches. Prints images/s of both and the ratio
// tenet/reference per net (A, B, C; see benchmarks/README.md), batch sizes 16/64/256 for net A,
// 1 vs 2 threads, single-image inference latency, and the per-layer profile of tenet's step.
//
// Usage: train_bench [--nets ABC] [--rounds 7] [--steps 30] [--quick]
//        train_bench --first-step A   (process start to first finished step, with data loading)
//        train_bench --rss A          (peak RSS of tenet training net A, data held as uint8)
//        train_bench --profile B      (per-layer profile of one step of net B, and the reference step)
//        train_bench --contention [--nets A] [--trace]  (idle and busy rounds against one spinning
//                                      process, then how fast the automatic count follows the load)
//        train_bench --idle-cost [--nets A] [--rounds 20] [--steps 150]  (automatic against the
//                                      full count pinned, alternating, no competing process)
//        train_bench --predict [--nets AC]     (predict at batch 1, 16, 256 against the reference)
//        train_bench --predict-loop C 20000 [ref]  (only single-image predicts: for perf record)
//        train_bench --hash A         (hash of the weights after 12 steps: same bits at 1 and 2 threads?)
//        train_bench ... --conv direct  (tenet's convolutions all direct: the bits and speed of
//                                      tenet before Winograd; --conv automatic is the default)
//        train_bench --mpi [--nets A]  (1 rank x 2 threads against mpirun -np 2 x 1 thread, alternating)
//
// Built as train_bench_torch (-DTENET_WITH_TORCH, only when CMake finds libtorch), every case
// also runs the libtorch nets of torch_nets.hpp in the same alternation (tenet, reference,
// libtorch), and prints libtorch's images/s and tenet/libtorch. libtorch's blocks run in a
// child process (this program with --torch-child) started for each block: run in this process,
// libtorch's OpenMP/OpenBLAS threads slowed tenet and the reference (benchmarks/README.md).
// Extra options there:
//        train_bench_torch --first-step-torch A | --rss-torch A   (the same two, for libtorch)
//        train_bench_torch --check-torch   (parameter counts; the loss falls over 400 steps)
#include <omp.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "bench_common.hpp"
#include "bench_pair.hpp"
#include "contention.hpp"
#include "predict_bench.hpp"
#include "mpi_bench.hpp"
#include "reference/onednn_nets.hpp"
#ifdef TENET_WITH_TORCH
#include <cstdlib>

#include "torch_bench.hpp"
#include "torch_nets.hpp"
#endif

using namespace tenet;
using namespace tenet_bench;

namespace {

#ifdef TENET_WITH_TORCH
// Seconds for `steps` libtorch steps of p's net and batch, measured by a child process after 5
// warm-up steps.
double torch_steps(const Pair& p, int steps) {
  return child_result("--torch-child " + std::string(1, p.net) + " " + std::to_string(p.batch) + " " +
                      std::to_string(steps) + " " + std::to_string(omp_get_max_threads()));
}
#endif

struct Speeds {
  double tenet = 0, ref = 0, torch = 0, ref_wino = 0;  // median images/s
};

// Alternates blocks of tenet and reference (and libtorch) steps; returns median images/s of each.
// The reference's Winograd variant (tenet's rule, ReferenceOptions::winograd) runs in the same
// alternation unless `winograd` is false.
Speeds compare(Pair& p, int rounds, int steps, bool winograd = true) {
  if (winograd) p.add_winograd_reference(), p.reference_steps(5, true);
  p.tenet_steps(5);
  p.reference_steps(5);
  std::vector<double> t, r, tt, rw;
#ifdef TENET_WITH_TORCH
  torch_steps(p, 5);
#endif
  for (int i = 0; i < rounds; ++i) {
    t.push_back(static_cast<double>(steps * p.batch) / p.tenet_steps(steps));
    r.push_back(static_cast<double>(steps * p.batch) / p.reference_steps(steps));
    if (winograd)
      rw.push_back(static_cast<double>(steps * p.batch) / p.reference_steps(steps, true));
#ifdef TENET_WITH_TORCH
    tt.push_back(static_cast<double>(steps * p.batch) / torch_steps(p, steps));
#endif
  }
  return {median(t), median(r), tt.empty() ? 0.0 : median(tt), rw.empty() ? 0.0 : median(rw)};
}

void row(const std::string& label, Speeds s) {
  std::printf("%-28s %10.0f %10.0f %8.2f %10.0f %8.2f", label.c_str(), s.tenet, s.ref,
              s.tenet / s.ref, s.ref_wino, s.tenet / s.ref_wino);
#ifdef TENET_WITH_TORCH
  std::printf(" %10.0f %12.2f", s.torch, s.tenet / s.torch);
#endif
  std::printf("   [%s, load %.2f]\n", cpu_model().c_str(), load_average());
  std::fflush(stdout);
}

// Process start to the first finished step, split so the target (0.1 s plus the data loading)
// can be read off: the time before main (loading shared libraries, static initialisation),
// loading Fashion-MNIST, building and compiling the model, and the first step itself.
int first_step(char net) {
  const double at_main = seconds_since_process_start();
  auto t0 = Clock::now();
  Data d = load(256);
  auto t1 = Clock::now();
  Model m = build_net(net);
  compile(m);
  auto t2 = Clock::now();
  std::vector<Tensor> x{slice(d.images, 0, 0, 64)};
  if (net == 'C') x.push_back(slice(d.thumbs, 0, 0, 64));
  m.train_on_batch(x, slice(d.labels, 0, 0, 64));
  auto t3 = Clock::now();
  m.train_on_batch(x, slice(d.labels, 0, 0, 64));
  auto t4 = Clock::now();
  auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("net %c: process start to first finished step %.3f s = before main %.3f + "
              "Fashion-MNIST loading %.3f + model build and compile %.3f + first step %.3f "
              "(second step %.3f); without the loading %.3f s\n",
              net, at_main + s(t0, t3), at_main, s(t0, t1), s(t1, t2), s(t2, t3), s(t3, t4),
              at_main + s(t0, t3) - s(t0, t1));
  return 0;
}

int rss(char net, int steps) {
  auto [train, test] = data::load_fashion_mnist();  // uint8, as held by the main job
  Model m = build_net(net);
  compile(m);
  data::Dataset ds = data::Dataset::from_tensors({expand_dims(train.images, -1)}, train.labels);
  std::int64_t done = 0;
  for (const auto& b : ds.shuffle(1).batch(64)) {
    m.train_on_batch({b.inputs[0].astype(DType::f32) / 255.0}, b.labels);
    if (++done == steps) break;
  }
  std::printf("net %c: peak RSS %.1f MiB after %lld steps (data set held as uint8)\n", net,
              peak_rss_mib(), static_cast<long long>(done));
  return 0;
}

// 12 training steps from the same start; prints the last loss and a hash of every weight's bits,
// to compare runs and thread counts (OMP_NUM_THREADS=1 / 2 pin tenet's count).
int weights_hash(char net) {
  Data d = load(1024);
  Model m = build_net(net);
  compile(m);
  double loss = 0;
  for (std::int64_t s = 0; s < 12 * 64; s += 64) {
    std::vector<Tensor> x{slice(d.images, 0, s, s + 64)};
    if (net == 'C') x.push_back(slice(d.thumbs, 0, s, s + 64));
    loss = m.train_on_batch(x, slice(d.labels, 0, s, s + 64))["loss"];
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the float bits
  for (const Tensor& w : m.weights())
    for (float f : w.to_vector<float>()) h = (h ^ std::bit_cast<std::uint32_t>(f)) * 1099511628211ull;
  std::printf("net %c, %d threads (%s), convolutions %s: loss after 12 steps %.9g, weights hash "
              "%016llx  [%s]\n", net, num_threads(), adaptive_threads() ? "adaptive" : "pinned",
              convolution_algorithm() == ConvolutionAlgorithm::direct ? "direct" : "automatic", loss,
              static_cast<unsigned long long>(h), cpu_model().c_str());
  return 0;
}

}  // namespace

// tenet's per-layer profile of one training step (batch 64) and, for scale, the reference's
// step time measured right after it in the same process.
void print_profile(char net, const Data& d) {
  Pair p(net, 64, d);
  std::vector<Tensor> x{slice(d.images, 0, 0, 64)};
  if (net == 'C') x.push_back(slice(d.thumbs, 0, 0, 64));
  std::printf("\nPer-layer profile of one tenet training step (net %c, batch 64):\n", net);
  std::printf("%s", p.model.profile(x, slice(d.labels, 0, 0, 64), 20).c_str());
  std::fflush(stdout);
  p.reference_steps(5);
  std::printf("reference step (same net and batch, 20 steps): %.3f ms\n",
              p.reference_steps(20) / 20 * 1000);
  const float* thumbs = net == 'C' ? d.thumbs.data<float>() : nullptr;
  std::printf("\nPer-layer profile of the reference's step (same batch, 20 steps):\n%s",
              p.ref.profile(d.images.data<float>(), thumbs, d.labels.data<std::int32_t>(), 20)
                  .c_str());
  // The same on tenet's Winograd rule: per layer, what is tenet's engine and what the algorithm.
  p.add_winograd_reference();
  std::printf("\nPer-layer profile of the reference on tenet's Winograd rule (20 steps):\n%s",
              p.ref_wino->profile(d.images.data<float>(), thumbs, d.labels.data<std::int32_t>(), 20)
                  .c_str());
  std::printf("[%s, load %.2f]\n", cpu_model().c_str(), load_average());
}

// Single-image inference latency of net `n`: tenet's predict against the reference's.
void print_latency(char n, const Data& d, [[maybe_unused]] int threads) {
  const PredictTimes t = time_predict(n, 1, d, 200);  // all three batches: --predict
  std::printf("%-28s %8.0f us %8.0f us %8.2f", (std::string("net ") + n + ", 1 image, predict").c_str(),
              t.tenet_us, t.ref_us, t.tenet_us / t.ref_us);
#ifdef TENET_WITH_TORCH
  double pt = child_result("--torch-latency " + std::string(1, n) + " " + std::to_string(threads));
  std::printf(" %8.0f us %12.2f", pt, t.tenet_us / pt);
#endif
  std::printf("  (latency: lower is better)  [%s]\n", cpu_model().c_str());
}

// The table's title and header.
void print_header(int threads, int rounds, int steps) {
  std::printf("tenet vs raw oneDNN reference, Fashion-MNIST, SGD(0.01, 0.9), %d threads (%s), "
              "tenet's convolutions %s, median of %d rounds of %d steps; %s, load average %.2f\n\n",
              threads, adaptive_threads() ? "tenet adaptive" : "pinned",
              convolution_algorithm() == ConvolutionAlgorithm::direct ? "all direct" : "automatic",
              rounds, steps, cpu_model().c_str(), load_average());
#ifdef TENET_WITH_TORCH
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf("with %s (NCHW), OPENBLAS_NUM_THREADS=%s; tenet/torch = tenet im/s / torch im/s\n\n",
              tenet_bench::TorchNet::version().c_str(), blas_threads ? blas_threads : "(unset)");
  std::printf("%-28s %10s %10s %8s %10s %8s %10s %12s\n", "case", "tenet im/s", "ref im/s", "ratio",
              "wino im/s", "ratio", "torch im/s", "tenet/torch");
#else
  std::printf("%-28s %10s %10s %8s %10s %8s\n", "case", "tenet im/s", "ref im/s", "ratio",
              "wino im/s", "ratio");
#endif
  std::printf("(ref: the raw-oneDNN reference, all convolutions direct; wino: the same reference "
              "with tenet's Winograd rule per pass)\n");
}

// The default run: every case of the table, then net A's per-layer profile.
void tables(const Data& d, const std::string& nets, int rounds, int steps, bool quick) {
  const int threads = num_threads();
  print_header(threads, rounds, steps);
  for (char n : nets) {
    Pair p(n, 64, d);
    row(std::string("net ") + n + ", batch 64", compare(p, rounds, steps));
  }
  if (!quick) {
    for (std::int64_t b : {16, 256}) {
      Pair p('A', b, d);
      row("net A, batch " + std::to_string(b), compare(p, rounds, std::max(4, steps * 64 / static_cast<int>(b))));
    }
    const bool adaptive = adaptive_threads();
    set_num_threads(1);  // pins tenet, and the reference's OpenMP count
    {
      Pair p('A', 64, d);
      row("net A, batch 64, 1 thread", compare(p, rounds, steps));
    }
    set_num_threads(adaptive ? 0 : threads);
    for (char n : std::string("AC")) print_latency(n, d, threads);
  }
}

// A mistyped option must not run the default benchmark as if it had been understood.
static int usage_error(const std::string& what) {
  std::fprintf(stderr, "train_bench: %s; the options are listed at the top of "
                       "benchmarks/train_bench.cpp and in benchmarks/README.md\n", what.c_str());
  return 2;
}

// --conv direct|automatic, read before any mode so that it applies to all of them; false (after
// the message) for another value.
static bool apply_conv_option(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--conv") continue;
    const std::string v = argv[i + 1];
    if (v != "direct" && v != "automatic") {
      usage_error("--conv takes direct or automatic, not '" + v + "'");
      return false;
    }
    set_convolution_algorithm(v == "direct" ? ConvolutionAlgorithm::direct
                                            : ConvolutionAlgorithm::automatic);
  }
  return true;
}

int main(int argc, char** argv) try {
  std::string nets = "ABC";
  int rounds = 7, steps = 30;
  bool quick = false;
  char profile_net = 0;
  bool contended = false, predict_only = false, trace = false, idle = false;
  bool mpi = false;
  if (!apply_conv_option(argc, argv)) return 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--first-step" && i + 1 < argc) return first_step(argv[++i][0]);
    if (a == "--rss" && i + 1 < argc) return rss(argv[++i][0], 300);
    if (a == "--hash" && i + 1 < argc) return weights_hash(argv[++i][0]);
    if (a == "--predict-loop" && i + 2 < argc)
      return predict_loop(argv[i + 1][0], load(64), std::stoi(argv[i + 2]),
                          i + 3 < argc && std::string(argv[i + 3]) == "ref");
    if (a == "--mpi-child" && i + 3 < argc)
      return mpi_child(argv[i + 1][0], std::stoi(argv[i + 2]), std::string(argv[i + 3]) == "sync");
#ifdef TENET_WITH_TORCH
    if (a == "--first-step-torch" && i + 1 < argc) return first_step_torch(argv[++i][0]);
    if (a == "--rss-torch" && i + 1 < argc) return rss_torch(argv[++i][0], 300);
    if (a == "--check-torch") return check_torch();
    if (a == "--torch-child" && i + 4 < argc)
      return torch_child(argv[i + 1][0], std::stoi(argv[i + 2]), std::stoi(argv[i + 3]), std::stoi(argv[i + 4]));
    if (a == "--torch-latency" && i + 2 < argc) return torch_latency(argv[i + 1][0], std::stoi(argv[i + 2]));
#endif
    if (a == "--nets" && i + 1 < argc) nets = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else if (a == "--steps" && i + 1 < argc) steps = std::stoi(argv[++i]);
    else if (a == "--quick") quick = true, rounds = 3, steps = 10;
    else if (a == "--profile" && i + 1 < argc) profile_net = argv[++i][0];
    else if (a == "--contention") contended = true;
    else if (a == "--trace") trace = true;
    else if (a == "--idle-cost") idle = true;
    else if (a == "--predict") predict_only = true;
    else if (a == "--mpi") mpi = true;
    else if (a == "--conv" && i + 1 < argc) ++i;  // read above
    else return usage_error("unknown or incomplete argument '" + a + "'");
  }
  if (mpi) return mpi_bench(nets[0], rounds, steps);
  Data d = load(8192);
  if (contended) return contention(d, nets, rounds, steps, trace);
  if (idle) return idle_cost(d, nets, rounds, steps);
  if (predict_only) return predict_table(d, nets == "ABC" ? "AC" : nets);
  if (profile_net) {
    print_profile(profile_net, d);
    return 0;
  }
  tables(d, nets, rounds, steps, quick);
  print_profile('A', d);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_bench: %s\n", e.what());
  return 1;
}
