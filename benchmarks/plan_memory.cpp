// plan_memory: how much a process grows when one Model is predicted at many batch sizes
// (docs/architecture.md, "Caches"). Every batch size makes plans (oneDNN primitives, kept
// kernels) in each layer and tensors of new sizes; tenet bounds its plan caches and oneDNN's
// primitive cache, so the growth should level off. Prints VmRSS growth after batch sizes 1..N.
//
//   build/benchmarks/plan_memory [most batch size, default 300]
//   ONEDNN_PRIMITIVE_CACHE_CAPACITY=1024 build/benchmarks/plan_memory   (oneDNN's own default)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <tenet/tenet.hpp>

using namespace tenet;

namespace {
long rss_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}
}  // namespace

int main(int argc, char** argv) {
  const long most = argc > 1 ? std::atol(argv[1]) : 300;
  if (argc > 2 || most < 1 || most > 100000) {
    std::fprintf(stderr, "usage: plan_memory [most batch size 1-100000, default 300]\n");
    return 2;
  }
  Conv2DOptions conv;
  conv.activation = Activation::relu;
  DenseOptions dense;
  dense.activation = Activation::relu;
  auto in = Input({28, 28, 1});  // net A's layers
  auto x = MaxPool2D({2, 2})(Conv2D(32, {3, 3}, conv)(in));
  x = MaxPool2D({2, 2})(Conv2D(64, {3, 3}, conv)(x));
  x = Dense(10)(Dense(128, dense)(Flatten()(x)));
  Model m(in, x);
  const Tensor data = Tensor::randn({most, 28, 28, 1}, 1);
  const long start = rss_kb();
  std::printf("plan_memory: net A's layers, predict of %ld images at batch sizes 1..%ld\n", most, most);
  for (long b = 1; b <= most; ++b) {
    (void)m.predict(data, {.batch_size = b});
    if (b % 50 == 0 || b == most)
      std::printf("batch sizes 1..%ld: RSS %+ld MB\n", b, (rss_kb() - start) / 1024);
  }
  return 0;
}
