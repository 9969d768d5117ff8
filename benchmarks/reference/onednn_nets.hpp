#pragma once
// The raw-oneDNN reference that tenet's speed is judged against (benchmarks/README.md): three
// Fashion-MNIST-shaped training nets written directly with oneDNN 2.6 primitives, created once,
// with the layouts oneDNN prefers, SGD with Keras momentum and sparse softmax cross-entropy.
// It depends on oneDNN and the standard library only; oneDNN types stay in the .cpp files.
//
//   net 'A': Conv2D(32, 3x3, valid)+ReLU, MaxPool 2x2, Conv2D(64, 3x3, valid)+ReLU,
//            MaxPool 2x2, Flatten, Dense(128)+ReLU, Dense(10)
//   net 'B': net A with BatchNormalization (training mode) between each Conv2D and its ReLU
//   net 'C': image (28, 28, 1) -> Conv2D(16, same)+ReLU -> MaxPool -> (14, 14, 16);
//            thumbnail (14, 14, 1) -> Conv2D(16, same)+ReLU -> (14, 14, 16);
//            Concatenate -> Conv2D(32, same)+ReLU -> MaxPool -> Flatten -> Dense(10)
//
//   auto net = tenet_bench::make_reference('A', 64);
//   float loss = net.train_step(images, nullptr, labels);  // images (64, 28, 28, 1)
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tenet_bench {

// Whether pass `pass` (0 forward, 1 backward-data, 2 backward-weights) of a 3x3 convolution on
// input dims `src_nchw` (oneDNN's N, C, H, W) with `filters` outputs and `pad` zeros each side
// runs Winograd's algorithm (oneDNN falls back to direct where it has no Winograd kernel).
using WinogradRule = std::function<bool(int pass, const std::vector<std::int64_t>& src_nchw,
                                        std::int64_t filters, std::int64_t pad)>;

struct ReferenceOptions {
  int batch = 64;
  float learning_rate = 0.01f;
  float momentum = 0.9f;       // Keras SGD: v = momentum * v - lr * g; w += v
  float bn_momentum = 0.99f;   // Keras BatchNormalization moving averages (net B)
  float bn_epsilon = 1e-3f;    // Keras BatchNormalization default
  std::uint32_t seed = 1234;   // std::mt19937 for the Glorot-uniform kernels
  // Empty: every convolution direct (the reference tenet is judged against). train_bench's
  // "ref+wino" variant passes tenet's own rule, so that the two run the same algorithms.
  WinogradRule winograd;
};

class ReferenceNet {
 public:
  ReferenceNet(char net, ReferenceOptions options = {});
  ~ReferenceNet();
  ReferenceNet(ReferenceNet&&) noexcept;
  ReferenceNet& operator=(ReferenceNet&&) noexcept;

  // One SGD step on a batch; returns the mean sparse softmax cross-entropy of the batch
  // before the update. images: (batch, 28, 28, 1); thumbs: (batch, 14, 14, 1), net C only
  // (nullptr otherwise); labels: (batch) in [0, 10). Allocates nothing.
  float train_step(const float* images_nhwc, const float* thumbs_nhwc_or_null,
                   const std::int32_t* labels);
  // Inference forward (batch norm on its moving averages); logits_out: (batch, 10).
  void predict(const float* images_nhwc, const float* thumbs_nhwc_or_null, float* logits_out);

  char net() const;
  int batch() const;
  bool takes_thumbnails() const { return net() == 'C'; }
  std::int64_t parameter_count() const;  // trainable values (Keras's count)
  std::string describe() const;          // each primitive with the oneDNN implementation chosen
  // Per-layer forward and backward milliseconds of `steps` training steps on one batch (each
  // primitive timed on its own, SGD not included), as a table like tenet's Model::profile.
  std::string profile(const float* images_nhwc, const float* thumbs_nhwc_or_null,
                      const std::int32_t* labels, int steps);

  // For reference_check's finite-difference check of every gradient:
  // the loss in training mode without any update (no backward, no moving averages) ...
  float loss(const float* images_nhwc, const float* thumbs_nhwc_or_null,
             const std::int32_t* labels);
  // ... the loss with the gradients left in place (no update) ...
  float loss_and_gradients(const float* images_nhwc, const float* thumbs_nhwc_or_null,
                           const std::int32_t* labels);
  // ... and, for parameter tensor k (creation order), |dL/dw_k|^2 and w_k += step * dL/dw_k.
  int parameter_tensors() const;
  double gradient_sq_norm(int k) const;
  void move_along_gradient(int k, float step);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline ReferenceNet make_reference(char net, int batch, ReferenceOptions o = {}) {
  o.batch = batch;
  return ReferenceNet(net, o);
}

}  // namespace tenet_bench
