// Suite "core/training": single-image predict with the kernels' reused oneDNN memory objects
// (kernels::reused_memory: one per plan, argument and thread, re-pointed at each call's bytes).
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "core/kernels/layout.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;

namespace {

// Two convolutions with 16 and 32 filters (blocked layouts between them), a pool, Flatten's
// conversion back to row-major and a Dense: every kernel of the single-image predict path.
Model conv_net(std::uint64_t seed) {
  auto in = Input({8, 8, 3});
  auto relu = Activation::relu;
  auto x = Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = relu, .seed = seed})(in);
  x = MaxPool2D({2, 2})(x);
  x = Conv2D(32, {3, 3}, {.activation = relu, .seed = seed + 1})(x);
  return Model(in, Dense(4, {.seed = seed + 2})(Flatten()(x)));
}

// The identity, remembering where the last batch's bytes were: tells whether predict handed the
// caller's tensor itself to the model (and the output is then the input, the worst case).
class PeekImpl : public LayerImpl {
 public:
  explicit PeekImpl(std::source_location loc) : LayerImpl("Peek", "peek", "", loc) {}
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    seen = std::as_const(in[0]).raw_data();
    return in[0];
  }
  const void* seen = nullptr;
};

std::vector<Tensor> images(std::uint64_t seed, int n) {
  std::vector<Tensor> xs;
  for (int i = 0; i < n; ++i) xs.push_back(Tensor::uniform({1, 8, 8, 3}, seed + i));
  return xs;
}

// Each image's prediction by a model of `seed` that no other call has touched.
std::vector<Tensor> fresh_predictions(std::uint64_t seed, const std::vector<Tensor>& xs) {
  Model m = conv_net(seed);
  std::vector<Tensor> out;
  for (const auto& x : xs) out.push_back(m.predict(x, {.batch_size = 1}).clone());
  return out;
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("predict reuse: repeated single-image predicts over changing images keep their bits") {
  const auto xs = images(1, 3);
  const auto expected = fresh_predictions(7, xs);
  Model m = conv_net(7);
  for (int round = 0; round < 4; ++round)
    for (std::size_t i = 0; i < xs.size(); ++i)  // a new input buffer every call
      CHECK(bitwise_equal({m.predict(xs[i], {.batch_size = 1})}, {expected[i]}));
  CHECK(!bitwise_equal({expected[0]}, {expected[1]}));  // the images really differ
}

TEST_CASE("predict reuse: two models of the same shapes alternating on one thread") {
  const auto xs = images(11, 2);
  const auto expected_a = fresh_predictions(21, xs), expected_b = fresh_predictions(31, xs);
  Model a = conv_net(21), b = conv_net(31);
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CHECK(bitwise_equal({a.predict(xs[i], {.batch_size = 1})}, {expected_a[i]}));
      CHECK(bitwise_equal({b.predict(xs[i], {.batch_size = 1})}, {expected_b[i]}));
    }
  CHECK(!bitwise_equal({expected_a[0]}, {expected_b[0]}));  // the weights really differ
}

TEST_CASE("predict reads one whole in-order batch of row-major values in place, never returns it") {
  auto peek = std::make_shared<PeekImpl>(std::source_location::current());
  auto in = Input({3});
  Model m(in, Layer(peek)(in));
  Tensor x = Tensor::uniform({2, 3}, 5);
  const std::vector<float> values = x.to_vector<float>();
  Tensor y = m.predict(x);  // one batch of both rows: x itself reaches the layer
  CHECK(peek->seen == std::as_const(x).raw_data());
  CHECK(y.to_vector<float>() == values);
  y.data<float>()[0] = 42.0f;  // the output is a copy, not a view of the input
  CHECK(x.to_vector<float>() == values);
  (void)m.predict(x, {.batch_size = 1});  // batches of some rows are copies
  CHECK(peek->seen != std::as_const(x).raw_data());
  Tensor tracked = x.clone().requires_grad(true);  // a tensor needing gradients is copied
  (void)m.predict(tracked);
  CHECK(peek->seen != std::as_const(tracked).raw_data());
  // A Conv2D's output lies in oneDNN's blocked layout until read (a training call's direct
  // convolution): copied (made row-major) too.
  Conv2D conv(16, {3, 3}, {.seed = 1});
  const Tensor blocked = conv(Tensor::uniform({2, 6, 6, 2}, 9)).detach();
  REQUIRE(kernels::is_blocked(blocked));
  auto peek2 = std::make_shared<PeekImpl>(std::source_location::current());
  auto features = Input({4, 4, 16});
  Model reader(features, Layer(peek2)(features));
  const Tensor z = reader.predict(blocked);
  CHECK(peek2->seen != blocked.raw_data());
  CHECK(array_equal(z, blocked));
}

TEST_CASE("predict reuse: two threads predicting concurrently, on two models and on one") {
  const auto xs = images(41, 2);
  const auto expected_a = fresh_predictions(51, xs), expected_b = fresh_predictions(61, xs);
  Model a = conv_net(51), b = conv_net(61);
  std::vector<int> wrong(4, 0);
  // Threads 0 and 1: a model each; threads 2 and 3: both on model a (its plans are shared).
  auto run = [&](int t, Model& m, const std::vector<Tensor>& expected) {
    for (int round = 0; round < 40; ++round)
      for (std::size_t i = 0; i < xs.size(); ++i)
        if (!bitwise_equal({m.predict(xs[i], {.batch_size = 1})}, {expected[i]})) ++wrong[t];
  };
  std::thread t0(run, 0, std::ref(a), std::cref(expected_a));
  std::thread t1(run, 1, std::ref(b), std::cref(expected_b));
  t0.join();
  t1.join();
  std::thread t2(run, 2, std::ref(a), std::cref(expected_a));
  std::thread t3(run, 3, std::ref(a), std::cref(expected_a));
  t2.join();
  t3.join();
  CHECK(wrong == std::vector<int>{0, 0, 0, 0});
}

}  // TEST_SUITE
