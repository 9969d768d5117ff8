// train_bench: tenet against the raw-oneDNN reference (benchmarks/reference), in one process,
// alternating, on the same Fashion-MNIST batches. Prints images/s of both and the ratio
// tenet/reference per net (A, B, C; see benchmarks/README.md), batch sizes 16/64/256 for net A,
// 1 vs 2 threads, single-image inference latency, and the per-layer profile of tenet's step.
//
// Usage: train_bench [--nets ABC] [--rounds 7] [--steps 30] [--quick]
//        train_bench --first-step A   (process start to first finished step, with data loading)
//        train_bench --rss A          (peak RSS of tenet training net A, data held as uint8)
//        train_bench --profile B      (per-layer profile of one step of net B, and the reference step)
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
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tenet.hpp>
#include "reference/onednn_nets.hpp"
#ifdef TENET_WITH_TORCH
#include <cstdlib>
#include <stdexcept>

#include "torch_nets.hpp"
#endif

using namespace tenet;
using Clock = std::chrono::steady_clock;

namespace {

Model build_net(char net) {
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto relu = Activation::relu;
  if (net == 'C') {
    auto thumb = Input({14, 14, 1}, {.name = "thumb"});
    auto a = MaxPool2D({2, 2})(Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = relu})(image));
    auto b = Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = relu})(thumb);
    auto z = Concatenate()({a, b});
    z = MaxPool2D({2, 2})(Conv2D(32, {3, 3}, {.padding = Padding::same, .activation = relu})(z));
    return Model({image, thumb}, Dense(10)(Flatten()(z)), "net_C");
  }
  auto conv = [&](SymbolicTensor x, std::int64_t filters) {
    if (net == 'B') return ReLU()(BatchNorm()(Conv2D(filters, {3, 3})(x)));
    return Conv2D(filters, {3, 3}, {.activation = relu})(x);
  };
  auto x = MaxPool2D({2, 2})(conv(image, 32));
  x = MaxPool2D({2, 2})(conv(x, 64));
  x = Dense(128, {.activation = relu})(Flatten()(x));
  return Model(image, Dense(10)(x), std::string("net_") + net);
}

void compile(Model& m) {
  m.compile({.optimizer = SGD({.learning_rate = 0.01, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
}

struct Data {
  Tensor images, thumbs, labels;  // float (N, 28, 28, 1), (N, 14, 14, 1), int32 (N,)
};

Data load(std::int64_t n) {
  auto [train, test] = data::load_fashion_mnist();
  Data d;
  d.images = expand_dims(slice(train.images, 0, 0, n), -1).astype(DType::f32) / 255.0;
  d.thumbs = data::resize(d.images, {14, 14});
  d.labels = slice(train.labels, 0, 0, n).astype(DType::i32);
  return d;
}

#ifdef TENET_WITH_TORCH
// Runs this program with `args` and returns the number it prints (the child inherits the
// environment, OPENBLAS_NUM_THREADS included).
double child_result(const std::string& args) {
  std::string cmd = "/proc/" + std::to_string(getpid()) + "/exe " + args;
  FILE* p = popen(cmd.c_str(), "r");
  double v = 0;
  if (!p || std::fscanf(p, "%lf", &v) != 1) throw std::runtime_error("child failed: " + cmd);
  if (pclose(p) != 0) throw std::runtime_error("child failed: " + cmd);
  return v;
}
#endif

// Runs `steps` training steps of tenet and of the reference on consecutive batches.
struct Pair {
  char net;
  std::int64_t batch;
  Model model;
  tenet_bench::ReferenceNet ref;
  const Data& d;
  std::int64_t next = 0;

  Pair(char n, std::int64_t b, const Data& data)
      : net(n), batch(b), model(build_net(n)), ref(tenet_bench::make_reference(n, static_cast<int>(b))), d(data) {
    compile(model);
  }
  std::int64_t start() {
    std::int64_t s = next;
    next = (next + batch + batch <= d.images.dim(0)) ? next + batch : 0;
    return s;
  }
  double tenet_steps(int steps) {
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) {
      std::int64_t s = start();
      std::vector<Tensor> x{slice(d.images, 0, s, s + batch)};
      if (net == 'C') x.push_back(slice(d.thumbs, 0, s, s + batch));
      model.train_on_batch(x, slice(d.labels, 0, s, s + batch));
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  double reference_steps(int steps) {
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) {
      std::int64_t s = start();
      ref.train_step(d.images.data<float>() + s * 784,
                     net == 'C' ? d.thumbs.data<float>() + s * 196 : nullptr,
                     d.labels.data<std::int32_t>() + s);
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
#ifdef TENET_WITH_TORCH
  // Seconds for `steps` libtorch steps, measured by a child process after 5 warm-up steps.
  double torch_steps(int steps) {
    return child_result("--torch-child " + std::string(1, net) + " " + std::to_string(batch) + " " +
                        std::to_string(steps) + " " + std::to_string(omp_get_max_threads()));
  }
#endif
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Speeds {
  double tenet = 0, ref = 0, torch = 0;  // median images/s
};

// Alternates blocks of tenet and reference (and libtorch) steps; returns median images/s of each.
Speeds compare(Pair& p, int rounds, int steps) {
  p.tenet_steps(5);
  p.reference_steps(5);
  std::vector<double> t, r, tt;
#ifdef TENET_WITH_TORCH
  p.torch_steps(5);
#endif
  for (int i = 0; i < rounds; ++i) {
    t.push_back(static_cast<double>(steps * p.batch) / p.tenet_steps(steps));
    r.push_back(static_cast<double>(steps * p.batch) / p.reference_steps(steps));
#ifdef TENET_WITH_TORCH
    tt.push_back(static_cast<double>(steps * p.batch) / p.torch_steps(steps));
#endif
  }
  return {median(t), median(r), tt.empty() ? 0.0 : median(tt)};
}

void row(const std::string& label, Speeds s) {
  std::printf("%-28s %10.0f %10.0f %8.2f", label.c_str(), s.tenet, s.ref, s.tenet / s.ref);
#ifdef TENET_WITH_TORCH
  std::printf(" %10.0f %12.2f", s.torch, s.tenet / s.torch);
#endif
  std::printf("\n");
  std::fflush(stdout);
}

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Seconds since this process started (from /proc, 10 ms resolution).
double seconds_since_process_start() {
  std::ifstream stat("/proc/self/stat");
  std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto p = s.rfind(')');
  std::vector<std::string> fields;
  std::string f;
  for (std::size_t i = p + 2; i < s.size(); ++i)
    if (s[i] == ' ') fields.push_back(f), f.clear();
    else f += s[i];
  double start = std::stod(fields[19]) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream up("/proc/uptime");
  double uptime = 0;
  up >> uptime;
  return uptime - start;
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

#ifdef TENET_WITH_TORCH
int first_step_torch(char net) {
  Data d = load(256);
  tenet_bench::TorchNet t(net, 64);
  t.train_step(d.images.data<float>(), d.thumbs.data<float>(), d.labels.data<std::int32_t>());
  std::printf("%s net %c: process start to first finished step %.2f s (Fashion-MNIST loading included)\n",
              tenet_bench::TorchNet::version().c_str(), net, seconds_since_process_start());
  return 0;
}

// As rss(): the whole training set held as uint8, each batch converted to float when used.
int rss_torch(char net, int steps) {
  auto [train, test] = data::load_fashion_mnist();
  tenet_bench::TorchNet t(net, 64);
  Tensor images = expand_dims(train.images, -1);  // (60000, 28, 28, 1) uint8
  Tensor labels = train.labels.astype(DType::i32);
  int done = 0;
  for (std::int64_t s = 0; done < steps && s + 64 <= images.dim(0); s += 64, ++done) {
    Tensor x = slice(images, 0, s, s + 64).astype(DType::f32) / 255.0;  // (64, 28, 28, 1)
    Tensor th = data::resize(x, {14, 14});                              // (64, 14, 14, 1)
    t.train_step(x.data<float>(), th.data<float>(), labels.data<std::int32_t>() + s);
  }
  std::printf("%s net %c: peak RSS %.1f MiB after %d steps (data set held as uint8)\n",
              tenet_bench::TorchNet::version().c_str(), net, peak_rss_mib(), done);
  return 0;
}

// Child of torch_steps(): prints the seconds of `steps` steps after 5 warm-up steps.
int torch_child(char net, int batch, int steps, int threads) {
  tenet_bench::TorchNet::set_threads(threads);
  Data d = load(8192);
  tenet_bench::TorchNet t(net, batch);
  std::int64_t next = 0;
  auto step = [&] {
    std::int64_t s = next;
    next = (next + 2 * batch <= 8192) ? next + batch : 0;
    t.train_step(d.images.data<float>() + s * 784, d.thumbs.data<float>() + s * 196,
                 d.labels.data<std::int32_t>() + s);
  };
  for (int i = 0; i < 5; ++i) step();
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) step();
  std::printf("%.9f\n", std::chrono::duration<double>(Clock::now() - t0).count());
  return 0;
}

// Child for the latency rows: median microseconds of 180 single-image predicts after 20.
int torch_latency(char net, int threads) {
  tenet_bench::TorchNet::set_threads(threads);
  Data d = load(64);
  tenet_bench::TorchNet t(net, 1);
  std::vector<float> logits(10);
  std::vector<double> us;
  for (int i = 0; i < 200; ++i) {
    auto t0 = Clock::now();
    t.predict(d.images.data<float>(), d.thumbs.data<float>(), logits.data());
    if (i >= 20) us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::printf("%.3f\n", median(us));
  return 0;
}

// Sanity check of the libtorch nets: parameter counts (Keras's: A 225,034, B 225,226 trainable,
// C 25,258) and the mean loss of the first and last 50 of 400 steps, which must fall.
int check_torch() {
  Data d = load(8192);
  int status = 0;
  for (char n : std::string("ABC")) {
    tenet_bench::TorchNet t(n, 64);
    double first = 0, last = 0;
    for (std::int64_t i = 0; i < 400; ++i) {
      std::int64_t s = (i * 64) % 8192;
      float l = t.train_step(d.images.data<float>() + s * 784, d.thumbs.data<float>() + s * 196,
                             d.labels.data<std::int32_t>() + s);
      if (i < 50) first += l / 50;
      if (i >= 350) last += l / 50;
    }
    std::printf("libtorch net %c: %lld parameters, mean loss steps 1-50 %.4f, steps 351-400 %.4f\n", n,
                static_cast<long long>(t.parameter_count()), first, last);
    if (!(last < first)) status = 1;
  }
  return status;
}
#endif

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
}

int main(int argc, char** argv) try {
  std::string nets = "ABC";
  int rounds = 7, steps = 30;
  bool quick = false;
  char profile_net = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--first-step" && i + 1 < argc) return first_step(argv[++i][0]);
    if (a == "--rss" && i + 1 < argc) return rss(argv[++i][0], 300);
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
  }
  Data d = load(8192);
  if (profile_net) {
    print_profile(profile_net, d);
    return 0;
  }
  const int threads = omp_get_max_threads();
  std::printf("tenet vs raw oneDNN reference, Fashion-MNIST, SGD(0.01, 0.9), %d threads, "
              "median of %d rounds of %d steps\n\n", threads, rounds, steps);
#ifdef TENET_WITH_TORCH
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf("with %s (NCHW), OPENBLAS_NUM_THREADS=%s; tenet/torch = tenet im/s / torch im/s\n\n",
              tenet_bench::TorchNet::version().c_str(), blas_threads ? blas_threads : "(unset)");
  std::printf("%-28s %10s %10s %8s %10s %12s\n", "case", "tenet im/s", "ref im/s", "ratio", "torch im/s",
              "tenet/torch");
#else
  std::printf("%-28s %10s %10s %8s\n", "case", "tenet im/s", "ref im/s", "ratio");
#endif
  for (char n : nets) {
    Pair p(n, 64, d);
    row(std::string("net ") + n + ", batch 64", compare(p, rounds, steps));
  }
  if (!quick) {
    for (std::int64_t b : {16, 256}) {
      Pair p('A', b, d);
      row("net A, batch " + std::to_string(b), compare(p, rounds, std::max(4, steps * 64 / static_cast<int>(b))));
    }
    omp_set_num_threads(1);
    {
      Pair p('A', 64, d);
      row("net A, batch 64, 1 thread", compare(p, rounds, steps));
    }
    omp_set_num_threads(threads);
    // Single-image inference latency.
    for (char n : std::string("AC")) {
      Model m = build_net(n);
      auto ref = tenet_bench::make_reference(n, 1);
      std::vector<Tensor> x{slice(d.images, 0, 0, 1)};
      if (n == 'C') x.push_back(slice(d.thumbs, 0, 0, 1));
      std::vector<float> logits(10);
      std::vector<double> tt, rt;
      for (int i = 0; i < 200; ++i) {
        auto t0 = Clock::now();
        (void)m.predict(x);
        auto t1 = Clock::now();
        ref.predict(d.images.data<float>(), n == 'C' ? d.thumbs.data<float>() : nullptr, logits.data());
        auto t2 = Clock::now();
        if (i >= 20) {
          tt.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
          rt.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
        }
      }
      std::printf("%-28s %8.0f us %8.0f us %8.2f", (std::string("net ") + n + ", 1 image, predict").c_str(),
                  median(tt), median(rt), median(tt) / median(rt));
#ifdef TENET_WITH_TORCH
      double pt = child_result("--torch-latency " + std::string(1, n) + " " + std::to_string(threads));
      std::printf(" %8.0f us %12.2f", pt, median(tt) / pt);
#endif
      std::printf("  (latency: lower is better)\n");
    }
  }
  print_profile('A', d);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_bench: %s\n", e.what());
  return 1;
}
