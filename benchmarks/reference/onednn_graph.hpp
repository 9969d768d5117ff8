#pragma once
// The plumbing under the raw-oneDNN reference nets (onednn_nets.hpp): a straight-line list of
// oneDNN 2.6 primitives built once, with `format_tag::any` everywhere so each layer consumes
// the blocked layout its producer chose, and a reorder only where two layouts really differ.
// Internal to benchmarks/reference; only standard C++ and oneDNN.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "reference/onednn_nets.hpp"  // WinogradRule

namespace tenet_bench::detail {

using dnnl::memory;

// One primitive execution: the primitive and its arguments, fixed at construction.
struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
  bool scratch = false;  // takes DNNL_ARG_SCRATCHPAD (user-managed, one buffer for all)
  std::string what;      // "conv fwd (64, 32, 26, 26) aBcd16b: jit:avx512_core" for describe()
  std::string layer;     // the layer it belongs to, for profile(): "conv (64, 32, 26, 26)"
};

// One layer's share of a training step (profile()): milliseconds per step.
struct LayerTime {
  std::string layer;
  double forward_ms = 0, backward_ms = 0;
};

// Which forward pass a forward step belongs to (batch norm differs between the two).
enum class Mode { both, train, infer };

// An activation and, when something upstream needs a gradient, its gradient. Both are in the
// layout of the primitives that produce them (printed by describe()), logical dims (N, C, H, W).
struct Act {
  memory value;
  memory diff;  // empty when no gradient flows to this activation
};

// A trainable tensor: weights, gradient and Keras momentum velocity, all in the layout the
// forward primitive chose (blocked layouts are padded with zeros, which SGD keeps at zero).
struct Param {
  memory w, dw, v;
};

// Batch-norm statistics of one layer: this step's batch mean/variance (oneDNN's, biased) and
// the Keras-style moving averages used by predict().
struct BnStats {
  memory mean, var, moving_mean, moving_var;
};

class Graph {
 public:
  explicit Graph(std::uint32_t seed);
  // The convolutions' algorithm per pass (empty: all direct); set before building the layers.
  void set_winograd(WinogradRule rule) { winograd_ = std::move(rule); }

  // An input bound to the caller's (N, H, W, C) float buffer at each step through bind().
  Act input(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w);
  void bind(const Act& in, const float* nhwc);

  // Conv2D 3x3 stride 1 with `pad` zeros each side (0 = valid, 1 = same), bias, optional ReLU
  // fused as a post-op (its backward reads the post-ReLU output).
  Act conv3x3(const Act& x, std::int64_t out_ch, std::int64_t pad, bool relu);
  // BatchNormalization in training mode followed by ReLU, fused in one oneDNN primitive.
  Act batchnorm_relu(const Act& x, float epsilon);
  Act maxpool2x2(const Act& x);
  Act concat_channels(const std::vector<Act>& xs);
  // Dense over the flattened input; Keras (H, W, C) flatten order for the kernel's rows.
  // `logits` makes the output a plain (N, units) buffer for the loss.
  Act dense(const Act& x, std::int64_t units, bool relu, bool logits);

  void finish();  // orders the backward pass and allocates the one scratchpad
  void forward_training();
  void forward_inference();
  void backward();
  void sgd(float lr, float momentum);  // Keras: v = m*v - lr*g; w += v
  void update_moving_stats(float momentum);
  std::int64_t parameter_count() const { return n_params_; }
  // For the finite-difference check: parameter tensors in creation order, the sum of dw^2
  // of one (k >= 0) or all (k < 0) after backward(), and w_k += step * dw_k.
  int parameter_tensors() const { return static_cast<int>(params_.size()); }
  double gradient_sq_norm(int k) const;
  void move_along_gradient(int k, float step);
  std::string describe() const;
  // Per-layer time of `steps` training steps (forward_training, backward, sgd), each primitive
  // timed on its own (execute and wait); the loss is computed by `loss` between the passes.
  std::vector<LayerTime> profile(int steps, const std::function<void()>& loss);

 private:
  void begin_layer(std::string label) { layer_ = std::move(label); }  // labels the next steps
  memory alloc(const memory::desc& md);
  // `m` in layout `want`: m itself, or a new buffer filled by a reorder appended to `steps`.
  memory adapt(std::vector<Step>& steps, const memory& m, const memory::desc& want);
  // Where a primitive producing layout `got` should write so that `target` gets the result:
  // target itself, or a temporary followed by a reorder appended to `after`.
  memory sink(std::vector<Step>& after, const memory& target, const memory::desc& got);
  Step make_step(const dnnl::primitive_desc_base& pd, dnnl::primitive p,
                 std::unordered_map<int, memory> args, const std::string& what);
  void add(std::vector<Step>& steps, const dnnl::primitive_desc_base& pd, dnnl::primitive p,
           std::unordered_map<int, memory> args, const std::string& what);
  void add_fwd(Mode mode, const dnnl::primitive_desc_base& pd, dnnl::primitive p,
               std::unordered_map<int, memory> args, const std::string& what);
  memory adapt_fwd(const memory& m, const memory::desc& want);
  dnnl::primitive_attr attr(bool relu) const;
  Param make_param(const memory::desc& want, const memory::desc& user,
                   const std::vector<float>& init);
  std::vector<float> glorot(std::int64_t count, std::int64_t fan_in, std::int64_t fan_out);
  void relu_backward(std::vector<Step>& g, const Act& y);

  dnnl::engine eng_;
  dnnl::stream strm_;
  std::mt19937 rng_;
  std::vector<std::pair<Mode, Step>> fwd_;
  std::vector<Step> bwd_;
  std::vector<std::vector<Step>> bwd_groups_;  // one per layer, in forward order
  std::vector<Param> params_;
  std::vector<BnStats> bn_;
  std::size_t scratch_bytes_ = 0;
  memory scratch_;
  std::int64_t n_params_ = 0;
  int reorders_ = 0;
  std::string layer_;  // the layer being built (Step::layer)
  WinogradRule winograd_;
};

}  // namespace tenet_bench::detail
