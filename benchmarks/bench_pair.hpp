#pragma once
// One net of benchmarks/README.md in tenet and in the raw-oneDNN reference, stepping through the
// same consecutive Fashion-MNIST batches: what train_bench's modes time.
#include <chrono>
#include <cstdint>
#include <vector>

#include <tenet/tenet.hpp>

#include "bench_common.hpp"
#include "reference/onednn_nets.hpp"

namespace tenet_bench {

// Runs `steps` training steps of tenet and of the reference on consecutive batches.
struct Pair {
  char net;
  std::int64_t batch;
  tenet::Model model;
  ReferenceNet ref;
  const Data& d;
  std::int64_t next = 0;

  Pair(char n, std::int64_t b, const Data& data)
      : net(n), batch(b), model(build_net(n)), ref(make_reference(n, static_cast<int>(b))), d(data) {
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
      std::vector<tenet::Tensor> x{slice(d.images, 0, s, s + batch)};
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
};

}  // namespace tenet_bench
