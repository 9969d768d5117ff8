#pragma once
// The benchmark nets A, B, C (benchmarks/reference/onednn_nets.hpp) written with libtorch's
// C++ API (Debian libtorch-dev 1.13), as a libtorch user would write them: torch::nn modules in
// libtorch's own NCHW layout, torch::optim::SGD(lr 0.01, momentum 0.9), cross_entropy from
// logits (mean over the batch). Built only when CMake finds Torch (benchmarks/CMakeLists.txt);
// libtorch types stay in torch_nets.cpp, so this header can be included next to tenet's.
//
//   auto net = tenet_bench::TorchNet('A', 64);
//   float loss = net.train_step(images, nullptr, labels);  // images (64, 28, 28, 1)
//
// Differences from the reference that do not change the work done per step: Flatten follows
// NCHW, i.e. (C, H, W) order (the Dense kernel's rows are a permutation of Keras's); torch's
// momentum rule is b = 0.9 b + g, w -= lr b, which for a constant lr is the same update as
// Keras's v = 0.9 v - lr g, w += v (v = -lr b); kernels are Glorot-uniform from torch's own
// generator (torch::manual_seed), biases zero, as in Keras.
#include <cstdint>
#include <memory>
#include <string>

namespace tenet_bench {

class TorchNet {
 public:
  TorchNet(char net, int batch, std::uint64_t seed = 1234);
  ~TorchNet();
  TorchNet(TorchNet&&) noexcept;
  TorchNet& operator=(TorchNet&&) noexcept;

  // One SGD step; returns the batch's mean loss before the update. images: (batch, 28, 28, 1),
  // which with one channel is byte for byte the NCHW (batch, 1, 28, 28) libtorch reads, so no
  // copy; thumbs: (batch, 14, 14, 1) for net C, nullptr otherwise; labels: (batch) in [0, 10),
  // widened into a preallocated int64 tensor (cross_entropy wants int64).
  float train_step(const float* images_nhwc, const float* thumbs_nhwc_or_null,
                   const std::int32_t* labels);
  // Inference (eval mode, no autograd graph); logits_out: (batch, 10).
  void predict(const float* images_nhwc, const float* thumbs_nhwc_or_null, float* logits_out);

  std::int64_t parameter_count() const;  // trainable values

  static void set_threads(int n);  // at::set_num_threads (OpenMP); OpenBLAS keeps its own
  static std::string version();    // "libtorch 1.13.0"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenet_bench
