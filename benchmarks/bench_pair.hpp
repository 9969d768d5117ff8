#pragma once
// One net of benchmarks/README.md in tenet and in the raw-oneDNN reference, stepping through the
// same consecutive Fashion-MNIST batches: what train_bench's modes time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <tenet/tenet.hpp>

#include "bench_common.hpp"
#include "reference/onednn_nets.hpp"

namespace tenet_bench {

// tenet's own convolution rule (core/kernels/conv_rule.cpp) for the reference's Winograd
// variant: the same algorithm per pass for the same geometry (bench_common.cpp).
WinogradRule tenet_winograd_rule();

// Runs `steps` training steps of tenet and of the reference on consecutive batches.
struct Pair {
  char net;
  std::int64_t batch;
  tenet::Model model;
  ReferenceNet ref;
  std::unique_ptr<ReferenceNet> ref_wino;  // the reference on tenet's Winograd rule, on demand
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
  void add_winograd_reference() {
    ReferenceOptions o;
    o.winograd = tenet_winograd_rule();
    ref_wino = std::make_unique<ReferenceNet>(make_reference(net, static_cast<int>(batch), o));
  }
  // The reference's steps, or with `winograd` its Winograd variant's (add_winograd_reference).
  double reference_steps(int steps, bool winograd = false) {
    ReferenceNet& r = winograd ? *ref_wino : ref;
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) {
      std::int64_t s = start();
      r.train_step(d.images.data<float>() + s * 784,
                     net == 'C' ? d.thumbs.data<float>() + s * 196 : nullptr,
                     d.labels.data<std::int32_t>() + s);
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
};

}  // namespace tenet_bench
