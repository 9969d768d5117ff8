#include <tenet/layers/dense.hpp>

#include <cmath>
#include <utility>

#include "core/graph/builtin.hpp"
#include <tenet/core/tensor/autograd.hpp>
#include "core/contracts/layer_checks.hpp"
#include "core/kernels/gemm.hpp"
#include "core/tensor/tensor_impl.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

class DenseImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  DenseImpl(std::int64_t units, DenseOptions o, std::source_location loc)
      : LayerImpl("Dense", "dense", o.name, loc), units_(units), opt_(o) {
    opt_.seed = layer_seed(o.seed);
    checks::check_option_positive("Dense units", units, "the number of outputs (the kernel's columns)",
                                  site(), Phase::build);
  }

  // (batch, in) -> (batch, units). Only rank 2: Keras would apply Dense to the last axis of
  // any rank, which hides forgotten Flatten layers; tenet asks for Flatten explicitly.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    const Shape& s = in[0];
    checks::check_dense_rank(s, site(), phase);
    checks::check_known_last_axis("dense.undefined", site(), s, "its kernel", phase);
    checks::check_built_size("dense.features", site(), facts(), s, phase);
    return Shape{s[0], units_};
  }

  void build(const std::vector<Shape>& in) override {
    in_features_ = in[0][1];
    kernel_ = glorot_uniform({in_features_, units_}, in_features_, units_, opt_.seed);
    kernel_.requires_grad(true);
    if (opt_.use_bias) bias_ = Tensor::zeros({units_}).requires_grad(true);
  }

  // y = x . kernel (+ bias) (relu), as one autograd node: one sgemm, then bias and ReLU in
  // one pass; backward masks dy by y > 0, then dx = dy . kernel^T, dkernel = x^T . dy,
  // dbias = column sums of dy. Softmax is applied as a separate op.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    const Tensor& x = in[0];  // (N, in)
    const std::int64_t n = x.dim(0), k = in_features_, u = units_;
    const bool relu_fused = opt_.activation == Activation::relu;
    Tensor y = Tensor::empty({n, u});  // (N, units)
    // Read-only weights and a fresh output written in place: no pointer handed out, no version
    // renewed (the mutable data() marked the weights as escaped on every call).
    float* py = static_cast<float*>(stored_bytes(y));
    kernels::sgemm(false, false, n, u, k, x.data<float>(), std::as_const(kernel_).data<float>(), py);
    const float* pb = opt_.use_bias ? std::as_const(bias_).data<float>() : nullptr;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < u; ++j) {
        float v = py[i * u + j] + (pb ? pb[j] : 0.0f);
        py[i * u + j] = relu_fused && v < 0.0f ? 0.0f : v;
      }
    if (!attach_grad_active())  // predict: no closure to build
      return opt_.activation == Activation::softmax ? softmax(y, -1) : y;
    std::vector<Tensor> inputs{x, kernel_};
    if (opt_.use_bias) inputs.push_back(bias_);
    Tensor out = attach_grad(y, name(), inputs, [x, kernel = kernel_, y = y.detach(), n, k, u, relu_fused,
                                                  with_bias = opt_.use_bias](const Tensor& dout) {
      Tensor dy = dout;  // (N, units)
      if (relu_fused) {
        dy = Tensor::empty({n, u});
        const float *pd = dout.data<float>(), *py = y.data<float>();
        float* q = dy.data<float>();
        for (std::int64_t i = 0; i < n * u; ++i) q[i] = py[i] > 0.0f ? pd[i] : 0.0f;
      }
      Tensor dx, dkernel, dbias;
      if (x.requires_grad()) {
        dx = Tensor::empty({n, k});  // (N, in) = (N, units) . (units, in)
        kernels::sgemm(false, true, n, k, u, dy.data<float>(), kernel.data<float>(), dx.data<float>());
      }
      dkernel = Tensor::empty({k, u});  // (in, units) = (in, N) . (N, units)
      kernels::sgemm(true, false, k, u, n, x.data<float>(), dy.data<float>(), dkernel.data<float>());
      if (with_bias) {
        dbias = Tensor::zeros({u});
        float* pb = dbias.data<float>();
        const float* q = dy.data<float>();
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < u; ++j) pb[j] += q[i * u + j];
      }
      return std::vector<Tensor>{dx, dkernel, dbias};
    });
    return opt_.activation == Activation::softmax ? softmax(out, -1) : out;
  }

  std::vector<Tensor> weights() const override {
    if (!built()) return {};
    return opt_.use_bias ? std::vector<Tensor>{kernel_, bias_} : std::vector<Tensor>{kernel_};
  }
  std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.output_size_option = "units";
    f.ends_in_softmax = opt_.activation == Activation::softmax;
    if (built()) f.built_last_axis = in_features_, f.built_weight = "kernel " + kernel_.shape().str();
    return f;
  }
  std::string describe() const override {
    return std::to_string(units_) +
           (opt_.activation == Activation::none ? "" : std::string(", ") + activation_name(opt_.activation));
  }

  std::vector<LayerOption> options() const override {
    return {{"units", units_},
            {"activation", std::string(activation_name(opt_.activation))},
            {"use_bias", opt_.use_bias},
            {"seed", static_cast<std::int64_t>(opt_.seed)}};
  }

 private:
  std::int64_t units_, in_features_ = 0;
  DenseOptions opt_;
  Tensor kernel_, bias_;
};

}  // namespace

Dense::Dense(std::int64_t units, DenseOptions options, std::source_location loc)
    : Layer(std::make_shared<DenseImpl>(units, options, loc)) {}

}  // namespace tenet
