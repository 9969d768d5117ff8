// The raw-oneDNN reference nets (reference/onednn_nets.hpp) checked and timed on their own.
//
//   reference_check                 train A, B, C one epoch each on Fashion-MNIST, print the
//                                   loss every 100 steps and the test accuracy; exit 1 if a
//                                   net stays at or below 80 % test accuracy
//   reference_check --speed [S]     time S training steps (default 200) on synthetic data:
//                                   median ms/step, images/s, peak RSS (VmHWM)
//   reference_check --gradcheck     only the finite-difference check of every gradient
//                                   (also run first by the default mode)
//   options: --net A|B|C  --batch N  --threads N  --describe (print the primitives chosen)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "reference/fashion_mnist.hpp"
#include "reference/onednn_nets.hpp"

namespace {

using tenet_bench::FashionMnist;
using tenet_bench::ReferenceNet;

struct Args {
  std::string nets = "ABC";
  int batch = 64, threads = 0, speed_steps = 0;
  bool describe = false, gradcheck_only = false;
};

std::string vm_hwm() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 6));
  return "?";
}

// Gathers the batch starting at `first` of `order` (images, thumbnails, labels).
void gather(const FashionMnist& d, const std::vector<std::int64_t>& order, std::int64_t first,
            int batch, std::vector<float>& img, std::vector<float>& thumb,
            std::vector<std::int32_t>& lab) {
  for (int i = 0; i < batch; ++i) {
    std::int64_t k = first + i < std::int64_t(order.size()) ? order[first + i] : order[0];
    std::copy_n(&d.images[k * 784], 784, &img[i * 784]);  // (28, 28, 1)
    lab[i] = d.labels[k];
  }
  tenet_bench::downsample2x(img.data(), batch, 28, 28, thumb.data());
}

double accuracy(ReferenceNet& net, const FashionMnist& test) {
  int b = net.batch();
  std::vector<float> img(b * 784), thumb(b * 196), logits(b * 10);
  std::vector<std::int32_t> lab(b);
  std::vector<std::int64_t> order(test.count);
  std::iota(order.begin(), order.end(), 0);
  std::int64_t right = 0;
  for (std::int64_t first = 0; first < test.count; first += b) {
    gather(test, order, first, b, img, thumb, lab);  // the last batch is padded, not counted
    net.predict(img.data(), thumb.data(), logits.data());
    for (int i = 0; i < b && first + i < test.count; ++i) {
      const float* z = &logits[i * 10];
      right += (std::max_element(z, z + 10) - z) == lab[i];
    }
  }
  return double(right) / double(test.count);
}

// One epoch (floor(60000 / batch) shuffled full batches) then the test accuracy.
double train_epoch(char which, const Args& a, const FashionMnist& train,
                   const FashionMnist& test) {
  ReferenceNet net = tenet_bench::make_reference(which, a.batch);
  if (a.describe) std::printf("%s", net.describe().c_str());
  std::vector<float> img(a.batch * 784), thumb(a.batch * 196);
  std::vector<std::int32_t> lab(a.batch);
  std::vector<std::int64_t> order(train.count);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  std::int64_t steps = train.count / a.batch;
  double running = 0.0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t s = 0; s < steps; ++s) {
    gather(train, order, s * a.batch, a.batch, img, thumb, lab);
    running += net.train_step(img.data(), thumb.data(), lab.data());
    if ((s + 1) % 100 == 0 || s + 1 == steps) {
      std::printf("net %c step %4lld  mean loss of the last %lld steps %.4f\n", which,
                  (long long)(s + 1), (long long)((s % 100) + 1), running / ((s % 100) + 1));
      running = 0.0;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double acc = accuracy(net, test);
  std::printf("net %c: %lld parameters, epoch %.1f s, test accuracy %.4f\n\n", which,
              (long long)net.parameter_count(), secs, acc);
  return acc;
}

struct Synthetic {
  std::vector<float> img, thumb;
  std::vector<std::int32_t> lab;
};

// Uniform [0, 1) images, their thumbnails and labels 0, 1, ..., 9, 0, ...
Synthetic synthetic(int batch) {
  Synthetic s{std::vector<float>(batch * 784), std::vector<float>(batch * 196),
              std::vector<std::int32_t>(batch)};
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto& v : s.img) v = u(rng);
  for (int i = 0; i < batch; ++i) s.lab[i] = i % 10;
  tenet_bench::downsample2x(s.img.data(), batch, 28, 28, s.thumb.data());
  return s;
}

// Every parameter tensor's gradient against a central difference of the loss along it:
// (L(w + e g) - L(w - e g)) / 2e must equal |g|^2. Returns the number of failures.
int gradcheck(char which, const Args& a) {
  ReferenceNet net = tenet_bench::make_reference(which, a.batch);
  Synthetic s = synthetic(a.batch);
  auto loss = [&] { return double(net.loss(s.img.data(), s.thumb.data(), s.lab.data())); };
  net.loss_and_gradients(s.img.data(), s.thumb.data(), s.lab.data());
  double total = net.gradient_sq_norm(-1);
  int bad = 0;
  for (int k = 0; k < net.parameter_tensors(); ++k) {
    double g = net.gradient_sq_norm(k);
    if (g <= 1e-12 * total) {  // e.g. a convolution bias right before batch norm
      std::printf("net %c tensor %2d: |g|^2 %.3e, zero gradient\n", which, k, g);
      continue;
    }
    // Loss change about 1e-4 but a step of at most 1e-3 in weight space: large enough for
    // float32 losses, small enough that few ReLU / max-pool kinks are crossed (measured:
    // errors <= 1.4 % here, about 3 % at ten times the step, noise-dominated at a tenth).
    float e = float(std::min(1e-4 / g, 1e-3 / std::sqrt(g)));
    net.move_along_gradient(k, e);
    double lp = loss();
    net.move_along_gradient(k, -2 * e);
    double lm = loss();
    net.move_along_gradient(k, e);
    double fd = (lp - lm) / (2.0 * e), rel = std::fabs(fd - g) / g;
    bad += rel > 0.05;
    std::printf("net %c tensor %2d: |g|^2 %.5e, central difference %.5e, rel. error %.4f%s\n",
                which, k, g, fd, rel, rel > 0.05 ? "  FAIL" : "");
  }
  return bad;
}

void speed(char which, const Args& a) {
  ReferenceNet net = tenet_bench::make_reference(which, a.batch);
  if (a.describe) std::printf("%s", net.describe().c_str());
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> img(a.batch * 784), thumb(a.batch * 196);
  std::vector<std::int32_t> lab(a.batch);
  for (auto& v : img) v = u(rng);
  for (std::size_t i = 0; i < lab.size(); ++i) lab[i] = std::int32_t(i % 10);
  tenet_bench::downsample2x(img.data(), a.batch, 28, 28, thumb.data());
  for (int i = 0; i < 10; ++i) net.train_step(img.data(), thumb.data(), lab.data());  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < a.speed_steps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    net.train_step(img.data(), thumb.data(), lab.data());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  double med = ms[ms.size() / 2];
  std::printf("net %c batch %d threads %d: median %.3f ms/step (p10 %.3f, p90 %.3f), "
              "%.0f images/s, VmHWM %s\n",
              which, a.batch, omp_get_max_threads(), med, ms[ms.size() / 10],
              ms[ms.size() * 9 / 10], a.batch * 1000.0 / med, vm_hwm().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress visible when piped to a file
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    bool has_next = i + 1 < argc && argv[i + 1][0] != '-';
    if (s == "--net" && has_next) a.nets = argv[++i];
    else if (s == "--batch" && has_next) a.batch = std::stoi(argv[++i]);
    else if (s == "--threads" && has_next) a.threads = std::stoi(argv[++i]);
    else if (s == "--describe") a.describe = true;
    else if (s == "--gradcheck") a.gradcheck_only = true;
    else if (s == "--speed") a.speed_steps = has_next ? std::stoi(argv[++i]) : 200;
    else {
      std::fprintf(stderr, "usage: reference_check [--speed [steps]] [--net A|B|C] "
                           "[--batch N] [--threads N] [--describe] [--gradcheck]\n");
      return 2;
    }
  }
  if (a.threads > 0) omp_set_num_threads(a.threads);
  try {
    if (a.speed_steps > 0) {
      for (char c : a.nets) speed(c, a);
      return 0;
    }
    int failed = 0;
    for (char c : a.nets) failed += gradcheck(c, a) > 0;
    if (a.gradcheck_only) {
      std::printf("%d passed, %d failed\n", int(a.nets.size()) - failed, failed);
      return failed ? 1 : 0;
    }
    FashionMnist train = tenet_bench::load_fashion_mnist("train");
    FashionMnist test = tenet_bench::load_fashion_mnist("t10k");
    for (char c : a.nets) failed += train_epoch(c, a, train, test) <= 0.80;
    std::printf("%d passed, %d failed\n", 2 * int(a.nets.size()) - failed, failed);
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reference_check: %s\n", e.what());
    return 1;
  }
}
