#include "torch_bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "bench_common.hpp"
#include "torch_nets.hpp"

namespace tenet_bench {

using namespace tenet;

// Runs this program with `args` and returns the number it prints (the child inherits the
// environment, OPENBLAS_NUM_THREADS included).
double child_result(const std::string& args) {
  std::string cmd = "/proc/" + std::to_string(getpid()) + "/exe " + args;
  FILE* p = popen(cmd.c_str(), "r");
  double v = 0;
  if (!p) throw std::runtime_error("cannot start: " + cmd);
  const bool read = std::fscanf(p, "%lf", &v) == 1;
  if (pclose(p) != 0 || !read) throw std::runtime_error("child failed: " + cmd);
  return v;
}

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
}  // namespace tenet_bench
