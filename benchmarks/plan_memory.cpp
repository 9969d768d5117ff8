// plan_memory: how much a process grows when one Model is predicted at many batch sizes
// (docs/architecture.md, "Caches"). Every batch size makes plans (oneDNN primitives, kept
// kernels) in each layer and tensors of new sizes; tenet bounds its plan caches and oneDNN's
// primitive cache, so the growth should level off. Prints VmRSS growth after batch sizes 1..N.
//
//   build/benchmarks/plan_memory [most batch size, default 300]
//   ONEDNN_PRIMITIVE_CACHE_CAPACITY=1024 build/benchmarks/plan_memory   (oneDNN's own default)
#include <cstdio>
#include <cstdlib>

#include "bench_common.hpp"

using namespace tenet;
using namespace tenet_bench;

int main(int argc, char** argv) {
  const long most = argc > 1 ? std::atol(argv[1]) : 300;
  if (argc > 2 || most < 1 || most > 100000) {
    std::fprintf(stderr, "usage: plan_memory [most batch size 1-100000, default 300]\n");
    return 2;
  }
  Model m = build_net('A');
  const Tensor data = Tensor::randn({most, 28, 28, 1}, 1);
  const double start = rss_mib();
  std::printf("plan_memory: net A predicted on %ld images at batch sizes 1..%ld  [%s]\n", most,
              most, cpu_model().c_str());
  for (long b = 1; b <= most; ++b) {
    (void)m.predict(data, {.batch_size = b});
    if (b % 50 == 0 || b == most)
      std::printf("batch sizes 1..%ld: RSS %+.0f MB\n", b, rss_mib() - start);
  }
  return 0;
}
