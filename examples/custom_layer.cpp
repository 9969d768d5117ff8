// custom_layer: writing your own layer, with an input contract tenet checks for you.
//
// A layer has two halves, like every built-in layer of tenet:
//   * an Impl class deriving LayerImpl that holds the weights and does the work, and
//   * a small handle class deriving Layer that users create and call (copying it shares the layer).
// Declaring an InputSpec makes tenet check every call against it, so a wrong input gives the
// same explanatory error (code layer.input_spec) as a built-in layer, with YOUR layer's name
// and the line that created it.
#include <iostream>
#include <tenet/tenet.hpp>

#include "example_cli.hpp"

using namespace tenet;

// Scale: y = x * w, one learnable weight per feature (a "per-feature gain").
class ScaleImpl : public LayerImpl {
 public:
  ScaleImpl(std::int64_t features, std::string name, std::source_location loc)
      // type shown in errors and summaries, base name for automatic names ("scale", "scale_1")
      : LayerImpl("Scale", "scale", std::move(name), loc), features_(features) {
    spec_.rank = 2;                  // (batch, features): batch axis included
    spec_.axes = {-1};               // the last axis ...
    spec_.axes_dims = {features};    // ... must have exactly `features` entries
  }

  // tenet checks this contract before output_shape, at build time and at run time.
  const InputSpec* input_spec() const override { return &spec_; }

  // The shape rule: the output has the input's shape.
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }

  // Called once with the first input shapes: create the weights (start at 1 = identity).
  void build(const std::vector<Shape>&) override {
    weight_ = Tensor::ones({features_}).requires_grad(true);
  }

  // The forward pass uses tenet ops, so autograd provides the backward pass for free.
  // (batch, features) * (features,) broadcasts the weight over the batch.
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    return in[0] * weight_;
  }

  std::vector<Tensor> weights() const override {
    return built() ? std::vector<Tensor>{weight_} : std::vector<Tensor>{};
  }
  std::vector<std::string> weight_names() const override { return {"scale"}; }
  std::string describe() const override { return std::to_string(features_) + " features"; }

 private:
  std::int64_t features_;
  InputSpec spec_;
  Tensor weight_;
};

// The handle: the source_location default argument records the line that creates the layer.
class Scale : public Layer {
 public:
  explicit Scale(std::int64_t features, std::string name = "",
                 std::source_location loc = std::source_location::current())
      : Layer(std::make_shared<ScaleImpl>(features, std::move(name), loc)) {}
};

int main(int argc, char** argv) try {
  CLI::App app{"custom_layer: a user-written layer with its own input contract"};
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;
  // 1. Used in a model, exactly like a built-in layer.
  auto features = Input({1024}, {.name = "features"});
  auto x = Scale(1024)(features);
  auto logits = Dense(10, {.seed = 1})(x);
  Model model(features, logits, "scaled_classifier");
  model.summary();

  Tensor batch = Tensor::randn({4, 1024}, /*seed=*/3);
  std::cout << "predict on " << batch.shape().str() << " -> "
            << model.predict(batch).shape().str() << "\n\n";

  // 2. Breaking the contract: 2048 features where the layer declares 1024.
  try {
    auto wide = Input({2048}, {.name = "wide_features"});
    auto y = Scale(1024)(wide);  // raises layer.input_spec at this line (phase build)
    (void)y;
    std::cout << "no error: the contract was not checked\n";
    return 1;
  } catch (const ContractError& e) {
    std::cout << "A contract error, as for any built-in layer:\n" << e.what() << "\n";
    if (e.code() != "layer.input_spec") return 1;
  }

  // 3. The same contract when the layer runs eagerly on a concrete tensor (phase run).
  try {
    Scale scale(1024);
    (void)scale(Tensor::zeros({8, 512}));
    return 1;
  } catch (const ContractError& e) {
    std::cout << e.what();
    if (e.code() != "layer.input_spec") return 1;
  }
  return 0;
} catch (const tenet::Error& e) {  // anything else tenet raises: explained, status 1
  std::cerr << e.what() << "\n";
  return 1;
}
