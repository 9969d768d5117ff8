// Suite "core/training": the tests of fusion.
// The fusion pass (core/training/fusion.cpp) and the roles it gives tenet's own layers
// (core/graph/fusable.hpp): which chains become fused nodes, that a fused model trains exactly as
// its layers run one by one, and that a user's layer is never fused whatever it declares.
#include <doctest/doctest.h>

#include <memory>

#include "core/graph/fusable.hpp"
#include "core/training/fusion.hpp"
#include "support/gradcheck.hpp"
#include "support/test_util.hpp"
#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

// Models built while one lives run every layer on its own (the unfused reference).
struct FusionOff {
  FusionOff() { fusion::set_enabled(false); }
  ~FusionOff() { fusion::set_enabled(true); }
  FusionOff(const FusionOff&) = delete;
  FusionOff& operator=(const FusionOff&) = delete;
};

// Both patterns, on 16 and 32 channels (oneDNN's blocked layouts between the layers), with
// 2x2, "same" and overlapping 3x3/2 pool windows. The same seeds give the same weights.
Model both_patterns() {
  auto in = Input({12, 12, 3});
  auto h = Conv2D(16, {3, 3}, {.activation = Activation::relu, .seed = 1})(in);
  h = MaxPool2D()(h);                                                 // Conv2D+ReLU+MaxPool2D
  h = ReLU()(BatchNorm()(Conv2D(32, {3, 3}, {.padding = Padding::same, .seed = 2})(h)));
  h = MaxPool2D({2, 2}, {.padding = Padding::same})(h);               // BatchNorm+ReLU
  h = Conv2D(16, {1, 1}, {.activation = Activation::relu, .seed = 3})(h);
  h = MaxPool2D({3, 3}, {.strides = {2, 2}})(h);                      // Conv2D+ReLU+MaxPool2D
  Model m(in, Dense(5, {.seed = 4})(Flatten()(h)));
  m.compile({.optimizer = SGD({.learning_rate = 0.05, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

Tensor images(std::uint64_t seed) { return Tensor::uniform({8, 12, 12, 3}, seed, -1.0, 1.0); }
Tensor labels(std::uint64_t seed) {
  return Tensor::uniform({8}, seed, 0.0, 4.99).astype(DType::i64);
}

int occurrences(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::vector<Tensor> grads(const Model& m) {
  std::vector<Tensor> g;
  for (const auto& w : m.trainable_weights()) g.push_back(w.grad().clone());
  return g;
}

// The model's training-mode outputs and input gradient for a projection of them.
std::vector<Tensor> call_with_gradient(Model& m, const Tensor& x0) {
  Tensor x = x0.clone().requires_grad(true);
  Tensor y = m.call({x}, {.training = true})[0];
  (y * Tensor::uniform(y.shape(), 77, -1.0, 1.0)).sum().backward();
  for (const auto& l : m.layers()) l.impl()->discard_step();  // BatchNorm's batch statistics
  return {y.detach().clone(), x.grad().clone()};
}

// A user's activation: scale * x where x > 0, else slope * x; its gradient at 0 is scale.
Tensor user_activation(const Tensor& x, double slope, double scale) {
  return x * scale + relu(-x) * (scale - slope);
}

// The layer of a user's computing it. It declares every member the old per-layer fusion hooks
// had (is_relu, masks_relu_gradient, ...): they must not matter.
class UserActivationImpl : public LayerImpl {
 public:
  UserActivationImpl(double slope, double scale)
      : LayerImpl("UserActivation", "user_activation", "", std::source_location::current()),
        slope_(slope), scale_(scale) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    ++calls;
    return user_activation(in[0], slope_, scale_);
  }
  bool is_relu() const { return true; }
  bool fuses_relu() const { return true; }
  bool masks_relu_gradient() const { return true; }
  bool skips_relu_backward() const { return true; }
  int calls = 0;

 private:
  double slope_, scale_;
};

template <class T>
constexpr bool has_fusion_flag = requires(T o) { o.relu_after; } ||
                                 requires(T o) { o.input_from_relu; } ||
                                 requires(T o) { o.skip_relu_backward; };
template <class T>
constexpr bool has_fusion_hook = requires(const T& l) { l.is_relu(); } ||
                                 requires(const T& l) { l.fuses_relu(); } ||
                                 requires(const T& l) { l.masks_relu_gradient(); } ||
                                 requires(const T& l) { l.skips_relu_backward(); };

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("the pass fuses Conv2D(relu)+MaxPool2D and BatchNorm+ReLU only when nothing else reads the first") {
  auto in = Input({6, 6, 16});
  Conv2D relu_conv(16, {3, 3}, {.activation = Activation::relu, .seed = 5, .name = "rc"});
  Conv2D plain_conv(16, {3, 3}, {.seed = 6, .name = "pc"});
  MaxPool2D pool({2, 2}, {.name = "mp"});
  BatchNorm norm({.name = "bn"});
  ReLU relu({.name = "rl"});
  Flatten flat;
  CHECK(fusion::describe(Model(in, pool(relu_conv(in)))) ==
        "rc (Conv2D) + mp (MaxPool2D): Conv2D+ReLU+MaxPool2D\n");
  CHECK(fusion::describe(Model(in, relu(norm(in)))) == "bn (BatchNorm) + rl (ReLU): BatchNorm+ReLU\n");
  CHECK(fusion::describe(Model(in, pool(plain_conv(in)))).empty());  // no ReLU of its own
  CHECK(fusion::describe(Model(in, Softmax()(norm(in)))).empty());
  CHECK(fusion::describe(Model(in, norm(relu(in)))).empty());        // the wrong order
  // The first output is also a model output, or read by another layer too.
  auto f = relu_conv(in);
  CHECK(fusion::describe(Model({in}, std::vector<SymbolicTensor>{pool(f), f})).empty());
  CHECK(fusion::describe(Model(in, Add()({flat(pool(f)), flat(MaxPool2D()(f))}))).empty());
  auto n = norm(in);
  CHECK(fusion::describe(Model({in}, std::vector<SymbolicTensor>{relu(n), n})).empty());
  // Both patterns in one model, in run order.
  CHECK(fusion::describe(Model(in, pool(relu(norm(relu_conv(in)))))) ==
        "bn (BatchNorm) + rl (ReLU): BatchNorm+ReLU\n");
  CHECK(fusion::describe(Model(in, relu(norm(pool(relu_conv(in)))))) ==
        "rc (Conv2D) + mp (MaxPool2D): Conv2D+ReLU+MaxPool2D\n"
        "bn (BatchNorm) + rl (ReLU): BatchNorm+ReLU\n");
  // A user's layer in either place is never part of a fused node.
  Layer user(std::make_shared<UserActivationImpl>(0.0, 1.0));
  CHECK(fusion::describe(Model(in, user(relu_conv(in)))).empty());
  CHECK(fusion::describe(Model(in, user(norm(in)))).empty());
}

TEST_CASE("a fused model trains bit for bit as its layers run one by one") {
  Model fused = both_patterns();
  Model alone = [] {
    FusionOff off;
    return both_patterns();
  }();
  CHECK(occurrences(fusion::describe(fused), ": Conv2D+ReLU+MaxPool2D\n") == 2);
  CHECK(occurrences(fusion::describe(fused), ": BatchNorm+ReLU\n") == 1);
  CHECK(fusion::describe(alone).empty());
  REQUIRE(testing::bitwise_equal(fused.weights(), alone.weights()));
  for (std::uint64_t step = 0; step < 4; ++step) {
    CAPTURE(step);
    Logs a = fused.train_on_batch({images(10 + step)}, labels(20 + step));
    Logs b = alone.train_on_batch({images(10 + step)}, labels(20 + step));
    CHECK(a.at("loss") == b.at("loss"));
    CHECK(testing::bitwise_equal(grads(fused), grads(alone)));
    // weights, and BatchNorm's moving statistics
    CHECK(testing::bitwise_equal(fused.weights(), alone.weights()));
  }
  CHECK(testing::bitwise_equal(call_with_gradient(fused, images(30)),
                               call_with_gradient(alone, images(30))));
  CHECK(array_equal(fused.predict(images(31)), alone.predict(images(31))));
  // The profile names the fused nodes (the ReLU after the BatchNorm has no row of its own).
  const std::string profile = fused.profile({images(32)}, labels(33), 1);
  CHECK(profile.find("fused nodes:\n" + fusion::describe(fused)) != std::string::npos);
  CHECK(profile.substr(0, profile.find("fused nodes:")).find("(ReLU)") == std::string::npos);
}

TEST_CASE("a user's layer after a BatchNorm runs, whatever it declares, with correct gradients") {
  auto in = Input({4, 4, 3});
  BatchNorm norm;
  auto impl = std::make_shared<UserActivationImpl>(0.25, 1.5);
  Dense dense(2, {.seed = 8});
  Model m(in, dense(Flatten()(Layer(impl)(norm(in)))));
  CHECK(impl->calls == 1);  // a user layer's forward runs once when the model is built
  Tensor x = Tensor::uniform({3, 4, 4, 3}, 9, -2.0, 2.0);
  Tensor y = m.call({x}, {.training = true})[0];
  norm.discard();
  CHECK(impl->calls == 2);
  // Its own values (negative inputs scaled by 0.25, not clipped to 0 as a ReLU would).
  Tensor normed = norm(x, {.training = true});
  norm.discard();
  CHECK(array_equal(y, dense(Flatten()(user_activation(normed, 0.25, 1.5)))));
  // Gradients through the model against finite differences (inference: moving statistics).
  Tensor xg = x.clone().requires_grad(true);
  testing::check_gradients(
      [&](const std::vector<Tensor>& v) { return m.call({v[0]}, {.training = false})[0]; }, {xg},
      {norm.weights()[0], norm.weights()[1]});
}

TEST_CASE("a user's layer after a Conv2D(relu) gets the ReLU's gradient, whatever it declares") {
  // Were the convolution's ReLU backward left to a layer that does not do it (the old
  // masks_relu_gradient hook), the gradient (2 at 0) would flow through the clipped positions.
  auto in = Input({4, 4, 2});
  Conv2D conv(4, {3, 3}, {.activation = Activation::relu, .seed = 11});
  Layer user(std::make_shared<UserActivationImpl>(1.0, 2.0));
  Model m(in, Dense(2, {.seed = 12})(Flatten()(user(conv(in)))));
  testing::check_gradients(
      [&](const std::vector<Tensor>& v) { return m.call({v[0]}, {.training = true})[0]; },
      {Tensor::uniform({2, 4, 4, 2}, 13, -1.0, 1.0).requires_grad(true)}, conv.weights());
}

TEST_CASE("no public call option or layer hook exists for fusion; a role reaches one layer only") {
  CHECK_FALSE(has_fusion_flag<CallOptions>);
  CHECK_FALSE(has_fusion_hook<LayerImpl>);
  CHECK(has_fusion_hook<UserActivationImpl>);  // the detector works
  // A user's layer has no facts for the pass, tenet's own have.
  UserActivationImpl user(0.0, 1.0);
  CHECK_FALSE(fusion::facts_of(user).has_value());
  ReLU relu;
  REQUIRE(fusion::facts_of(*relu.impl()).has_value());
  CHECK(fusion::facts_of(*relu.impl())->op == fusion::Op::relu);
  // A role given to one layer is not seen by another, and ends with its scope.
  BatchNorm a, b;
  {
    fusion::RoleScope scope(a.impl().get(), {.apply_relu = true});
    CHECK(fusion::role_of(a.impl().get()).apply_relu);
    CHECK_FALSE(fusion::role_of(b.impl().get()).apply_relu);
    {
      fusion::RoleScope inner(b.impl().get(), {.apply_relu = true});
      CHECK(fusion::role_of(b.impl().get()).apply_relu);
    }
    CHECK(fusion::role_of(a.impl().get()).apply_relu);
  }
  CHECK_FALSE(fusion::role_of(a.impl().get()).apply_relu);
}

}  // TEST_SUITE
