// Suite "layers": hostile uses of the convolution-algorithm switch (core/kernels/conv_rule.cpp,
// set_convolution_algorithm, TENET_CONVOLUTION_ALGORITHM): switches on other threads while a
// plan is made, while a model predicts and while it fits; a switch between fit steps with the
// kept blocked kernel; the environment variable's hostile values.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/base/text_escape.hpp"
#include "core/kernels/conv.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using kernels::ConvPass;

namespace {

// Restores the convolution algorithm a test changed.
struct RestoreAlgorithm {
  ConvolutionAlgorithm algorithm = convolution_algorithm();
  ~RestoreAlgorithm() { set_convolution_algorithm(algorithm); }
};

// A Conv2D every pass of which both makers' rules run on Winograd at batches 16 and 32 (28x28,
// 32 -> 64; conv_rule.cpp): the first test checks it, so these tests switch between two
// algorithms on an AMD and on an Intel CPU alike. Fit steps take 16 images, predict all 32.
struct WinoNet {
  Conv2D conv{64, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 5}};
  Dense dense{2};
  Model model;
  WinoNet() : model(make()) {}
  Model make() {
    auto in = Input({28, 28, 32});
    return Model(in, dense(Flatten()(conv(in))));
  }
};
constexpr std::int64_t kBatch = 16;

Tensor images() { return Tensor::randn({2 * kBatch, 28, 28, 32}, 21); }
Tensor labels() { return Tensor::randn({2 * kBatch, 2}, 22); }

// `n`'s weights in a model that never ran, predicting x under the algorithm now set.
Tensor fresh_output(const WinoNet& n, const Tensor& x) {
  WinoNet fresh;
  const std::vector<Tensor> c = n.conv.weights(), d = n.dense.weights();
  fresh.conv.set_weights({c[0], c[1]});
  fresh.dense.set_weights({d[0], d[1]});
  return fresh.model.predict(x);
}

Tensor predict_under(WinoNet& n, const Tensor& x, ConvolutionAlgorithm a) {
  set_convolution_algorithm(a);
  return n.model.predict(x);
}

// Sets valid and out-of-range algorithms in turn until `stop`; each refusal must be
// options.invalid and leave a valid algorithm in place.
void switch_until(const std::atomic<bool>& stop, std::atomic<int>& bad_refusals, int seed) {
  for (int i = seed; !stop.load(); ++i) {
    if (i % 3 == 2) {
      try {
        set_convolution_algorithm(static_cast<ConvolutionAlgorithm>(i % 2 ? -1 : 7));
        ++bad_refusals;  // accepted: wrong
      } catch (const ContractError& e) {
        if (e.code() != "options.invalid") ++bad_refusals;
      }
    } else {
      set_convolution_algorithm(i % 2 ? ConvolutionAlgorithm::direct
                                      : ConvolutionAlgorithm::automatic);
    }
  }
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("every pass of WinoNet runs Winograd under both makers' rules at its batches") {
  for (std::int64_t batch : {kBatch, 2 * kBatch}) {
    // The layer's geometry: its ReLU fused as a post-op; a training plan and predict's.
    kernels::ConvGeometry g{Shape{batch, 28, 28, 32}, 64, {3, 3}, {1, 1},
                            {1, 1}, {1, 1}, {1, 1}, {28, 28}};
    g.relu = true;
    for (kernels::CpuMaker maker : {kernels::CpuMaker::amd, kernels::CpuMaker::intel})
      for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data,
                            ConvPass::backward_weights, ConvPass::inference}) {
        CAPTURE(batch);
        CAPTURE(static_cast<int>(maker));
        CAPTURE(static_cast<int>(pass));
        CHECK(kernels::winograd_rule(g, pass, maker));
      }
    if (!kernels::winograd_available()) continue;  // every plan direct on this CPU
    // And the plans made on this machine are Winograd's.
    RestoreAlgorithm restore;
    set_convolution_algorithm(ConvolutionAlgorithm::automatic);
    kernels::ConvPlans cache;
    const auto plan = kernels::conv_plan(cache, g);
    for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights})
      CHECK(kernels::conv_impl(*plan, pass).find("wino") != std::string::npos);
    g.training = false;
    const auto predict_plan = kernels::conv_plan(cache, g);
    CHECK(kernels::conv_impl(*predict_plan, ConvPass::inference).find("wino") != std::string::npos);
  }
}

// Defect (fixed): conv_plan read the algorithm for the cache key, then make_plan read it again
// per pass, so a switch on another thread in between left a plan of the other algorithm (or of
// both) under the key, for the rest of the layer's life.
TEST_CASE("a plan made while another thread switches holds its key's algorithm in every pass") {
  if (!kernels::winograd_available()) return;  // every plan direct: nothing to tell apart
  RestoreAlgorithm restore;
  kernels::ConvPlans cache;
  std::vector<kernels::ConvGeometry> shapes;
  // 28x28, 32 -> 64: Winograd in every pass under both makers' rules (conv_rule.cpp)
  for (std::int64_t n = 16; n < 40; ++n)
    shapes.push_back({Shape{n, 28, 28, 32}, 64, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {28, 28}});
  std::atomic<bool> stop{false};
  std::thread toggler([&] {
    for (int i = 0; !stop.load(); ++i)
      set_convolution_algorithm(i % 2 ? ConvolutionAlgorithm::direct
                                      : ConvolutionAlgorithm::automatic);
  });
  for (const auto& g : shapes) kernels::conv_plan(cache, g);  // made under the toggling
  stop = true;
  toggler.join();
  const ConvPass passes[] = {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weights};
  for (const auto& g : shapes) {
    INFO("batch " << g.input[0]);
    set_convolution_algorithm(ConvolutionAlgorithm::automatic);
    const auto wino = kernels::conv_plan(cache, g);
    set_convolution_algorithm(ConvolutionAlgorithm::direct);
    const auto direct = kernels::conv_plan(cache, g);
    for (ConvPass pass : passes) {
      CHECK(kernels::conv_impl(*wino, pass).find("wino") != std::string::npos);
      CHECK(kernels::conv_impl(*direct, pass).find("wino") == std::string::npos);
    }
  }
}

TEST_CASE("predict while two threads switch (and pass out-of-range values) gives one of the two") {
  RestoreAlgorithm restore;
  clear_session();
  WinoNet n;
  const Tensor x = images();
  const Tensor wino = predict_under(n, x, ConvolutionAlgorithm::automatic);
  const Tensor direct = predict_under(n, x, ConvolutionAlgorithm::direct);
  // The two differ in their bits wherever oneDNN has Winograd, so "one of the two" says which.
  if (kernels::winograd_available()) CHECK_FALSE(allclose(wino, direct, 0.0, 0.0));
  std::atomic<bool> stop{false};
  std::atomic<int> bad_refusals{0};
  std::thread a([&] { switch_until(stop, bad_refusals, 0); });
  std::thread b([&] { switch_until(stop, bad_refusals, 1); });
  int neither = 0;
  for (int i = 0; i < 30; ++i) {
    const Tensor y = n.model.predict(x);
    if (!allclose(y, wino, 0.0, 0.0) && !allclose(y, direct, 0.0, 0.0)) ++neither;
  }
  stop = true;
  a.join();
  b.join();
  CHECK(neither == 0);
  CHECK(bad_refusals.load() == 0);
  const ConvolutionAlgorithm now = convolution_algorithm();
  CHECK((now == ConvolutionAlgorithm::automatic || now == ConvolutionAlgorithm::direct));
  // The plans made under the switching still give each algorithm's bits.
  CHECK(allclose(predict_under(n, x, ConvolutionAlgorithm::automatic), wino, 0.0, 0.0));
  CHECK(allclose(predict_under(n, x, ConvolutionAlgorithm::direct), direct, 0.0, 0.0));
}

TEST_CASE("fit while two threads switch: finite, and the kept kernel follows the last step") {
  RestoreAlgorithm restore;
  clear_session();
  WinoNet n;
  const Tensor x = images(), y = labels();
  n.model.compile({.optimizer = SGD({.learning_rate = 1e-4}), .loss = MeanSquaredError()});
  std::atomic<bool> stop{false};
  std::atomic<int> bad_refusals{0};
  std::thread a([&] { switch_until(stop, bad_refusals, 0); });
  std::thread b([&] { switch_until(stop, bad_refusals, 1); });
  History h = n.model.fit({x}, y, {.epochs = 4, .batch_size = kBatch, .verbose = 0});  // 8 steps
  stop = true;
  a.join();
  b.join();
  CHECK(bad_refusals.load() == 0);
  for (double loss : h.history.at("loss")) CHECK(std::isfinite(loss));
  for (ConvolutionAlgorithm alg : {ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct}) {
    const Tensor now = predict_under(n, x, alg);
    CHECK(allclose(now, fresh_output(n, x), 0.0, 0.0));
  }
}

TEST_CASE("a switch between fit steps: each algorithm's plan and kept kernel follow the weights") {
  RestoreAlgorithm restore;
  const Tensor x = images(), y = labels();
  const ConvolutionAlgorithm order[] = {ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct,
                                        ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct};
  std::vector<Tensor> runs;
  for (int run = 0; run < 2; ++run) {  // the same switches twice: the same bits
    clear_session();
    WinoNet n;
    n.model.compile({.optimizer = Adam({.learning_rate = 1e-3}), .loss = MeanSquaredError()});
    for (ConvolutionAlgorithm alg : order) {
      set_convolution_algorithm(alg);
      n.model.predict(x);  // keeps the blocked kernel of this algorithm's predict plan
      History h = n.model.fit({x}, y, {.epochs = 1, .batch_size = kBatch, .verbose = 0});
      REQUIRE(std::isfinite(h["loss"].back()));
      for (ConvolutionAlgorithm other : {ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct}) {
        const Tensor now = predict_under(n, x, other);
        CHECK(allclose(now, fresh_output(n, x), 0.0, 0.0));
      }
    }
    runs.push_back(n.model.predict(x));
  }
  CHECK(allclose(runs[0], runs[1], 0.0, 0.0));
}

}  // TEST_SUITE
