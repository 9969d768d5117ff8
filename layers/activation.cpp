#include <tenet/layers/activation.hpp>

#include "core/graph/builtin.hpp"
#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include "core/graph/fusable.hpp"

namespace tenet {

namespace {

class ReLUImpl : public LayerImpl, public fusion::Fusable {
 public:
  ReLUImpl(ActivationLayerOptions o, std::source_location loc)
      : LayerImpl("ReLU", "re_lu", o.name, loc) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return relu(in[0]);  // gradient: dout where x > 0, else 0
  }
  fusion::Facts fusion_facts() const override { return {.op = fusion::Op::relu}; }
};

class SoftmaxImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  SoftmaxImpl(int axis, ActivationLayerOptions o, std::source_location loc)
      : LayerImpl("Softmax", "softmax", o.name, loc), axis_(axis) {}
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    checks::check_axis(axis_, in[0].rank(), "reduce.axis", site(), phase);
    return in[0];
  }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return softmax(in[0], axis_);  // max-shifted, so large inputs stay finite
  }
  std::string describe() const override { return "axis " + std::to_string(axis_); }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.ends_in_softmax = true;
    return f;
  }

  std::vector<LayerOption> options() const override { return {{"axis", std::int64_t{axis_}}}; }

 private:
  int axis_;
};

class ActivationImpl : public LayerImpl, public fusion::Fusable {
 public:
  ActivationImpl(Activation a, ActivationLayerOptions o, std::source_location loc)
      : LayerImpl("Activation", "activation", o.name, loc), activation_(a) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return apply_activation(in[0], activation_);
  }
  fusion::Facts fusion_facts() const override {
    return {.op = activation_ == Activation::relu ? fusion::Op::relu : fusion::Op::other};
  }
  std::string describe() const override { return activation_name(activation_); }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f;
    f.ends_in_softmax = activation_ == Activation::softmax;
    return f;
  }
  std::vector<LayerOption> options() const override {
    return {{"activation", std::string(activation_name(activation_))}};
  }

 private:
  Activation activation_;
};

}  // namespace

ActivationLayer::ActivationLayer(Activation activation, ActivationLayerOptions options,
                                 std::source_location loc)
    : Layer(std::make_shared<ActivationImpl>(activation, options, loc)) {}

ReLU::ReLU(ActivationLayerOptions options, std::source_location loc)
    : Layer(std::make_shared<ReLUImpl>(options, loc)) {}

Softmax::Softmax(int axis, ActivationLayerOptions options, std::source_location loc)
    : Layer(std::make_shared<SoftmaxImpl>(axis, options, loc)) {}

}  // namespace tenet
