// Part of error_gallery.cpp (included inside its namespace, after the Case type): a user's own
// layer when the model is built. tenet runs its forward on an empty batch then, so a call that
// cannot work is refused at the line building the model, naming the layer and the failing op.
#pragma once

std::vector<Case> user_layer_cases() {
  return {
    {"A custom layer multiplies its input by a gate made for 16 features", "elementwise.shape", [] {
       struct GateImpl : LayerImpl {
         explicit GateImpl(std::source_location loc) : LayerImpl("Gate", "gate", "", loc) {}
         void build(const std::vector<Shape>&) override { gate = Tensor::ones({16}); }
         Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
           return in[0] * gate;
         }
         std::vector<Tensor> weights() const override { return built() ? std::vector{gate} : std::vector<Tensor>{}; }
         std::vector<std::string> weight_names() const override { return {"gate"}; }
         Tensor gate;
       };
       Layer gate(std::make_shared<GateImpl>(std::source_location::current()));
       auto features = Input({8}, {.name = "features"});
       (void)gate(features);
     }},
    {"A custom layer's matmul meets a kernel made for 16 features", "matmul.shape", [] {
       struct ProjectImpl : LayerImpl {
         explicit ProjectImpl(std::source_location loc) : LayerImpl("Project", "project", "", loc) {}
         void build(const std::vector<Shape>&) override { kernel = Tensor::ones({16, 4}); }
         Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
           return matmul(in[0], kernel);
         }
         std::vector<Tensor> weights() const override { return built() ? std::vector{kernel} : std::vector<Tensor>{}; }
         std::vector<std::string> weight_names() const override { return {"kernel"}; }
         Tensor kernel;
       };
       Layer project(std::make_shared<ProjectImpl>(std::source_location::current()));
       auto x = Dense(8, {.name = "backbone"})(Input({3}, {.name = "x"}));
       (void)project(x);
     }},
    {"A custom layer's expect_shape refuses 2048 features where it expects 1024", "layer.expect", [] {
       struct HeadImpl : LayerImpl {
         explicit HeadImpl(std::source_location loc) : LayerImpl("Head", "head", "", loc) {}
         Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
           expect_shape(in[0], {kUnknown, 1024}, "features");  // never assert
           return in[0];
         }
       };
       Layer head(std::make_shared<HeadImpl>(std::source_location::current()));
       auto x = Dense(2048, {.name = "backbone"})(Input({8}, {.name = "x"}));
       (void)head(x);
     }},
    {"A custom layer declares an output shape its forward does not produce", "layer.output_shape", [] {
       struct PoolImpl : LayerImpl {
         explicit PoolImpl(std::source_location loc) : LayerImpl("Pool", "pool", "", loc) {}
         Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
         Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
           return in[0].mean(1);  // (batch, features) -> (batch,)
         }
       };
       Layer pool(std::make_shared<PoolImpl>(std::source_location::current()));
       (void)pool(Input({8}, {.name = "x"}));
     }},
  };
}
