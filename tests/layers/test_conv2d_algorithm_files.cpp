// Suite "layers": Conv2D's convolution algorithms across files and models: weights (.weights.h5),
// .keras archives and ModelCheckpoint files written under one algorithm and read under the
// other; predict, fit, predict on one shape (inference-only and training plans side by side);
// a Conv2D shared by a training and a predicting model.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/kernels/conv.hpp"
#include "support/test_util.hpp"

using namespace tenet;

namespace {

constexpr double kRel = 2e-5;  // Winograd against direct, of the largest magnitude (as winograd test)
// The same nets after a training step under each algorithm: the step's gradients differ by
// Winograd's rounding too, which the predict after it carries through both convolutions (seen:
// 2.7e-5 of the largest output on an Intel Xeon).
constexpr double kRelTrained = 1e-4;

struct RestoreAlgorithm {
  ConvolutionAlgorithm algorithm = convolution_algorithm();
  ~RestoreAlgorithm() { set_convolution_algorithm(algorithm); }
};

// Two Conv2D both makers' rules run on Winograd in every pass at batches 16 and 32 (28x28,
// 32 -> 64 -> 32; conv_rule.cpp, checked by the first test), then a Dense. Fit steps take 16
// images, predict all 32.
Model make_net(Conv2D conv) {
  auto in = Input({28, 28, 32});
  Conv2D second{32, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 6}};
  return Model(in, Dense(2)(Flatten()(second(conv(in)))));
}
Conv2D first_conv() {
  return Conv2D{64, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 5}};
}
constexpr std::int64_t kBatch = 16;

Tensor images() { return Tensor::randn({2 * kBatch, 28, 28, 32}, 31); }
Tensor labels() { return Tensor::randn({2 * kBatch, 2}, 32); }

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

bool close(const Tensor& a, const Tensor& b, double rel = kRel) {
  return max_abs(a - b) <= rel * max_abs(b);
}

bool same_weights(const Model& a, const Model& b) {
  const std::vector<Tensor> wa = a.weights(), wb = b.weights();
  if (wa.size() != wb.size()) return false;
  for (std::size_t i = 0; i < wa.size(); ++i)
    if (!allclose(wa[i], wb[i], 0.0, 0.0)) return false;
  return true;
}

// A model that never ran, given `m`'s weights (through a weights file: Model has no set_weights).
Model fresh_copy(const Model& m) {
  testing::TempDir dir;
  m.save_weights(dir.file("copy.weights.h5"));
  Model fresh = make_net(first_conv());
  fresh.load_weights(dir.file("copy.weights.h5"));
  return fresh;
}

Model trained(ConvolutionAlgorithm alg, const std::vector<Callback>& callbacks = {}) {
  set_convolution_algorithm(alg);
  Model m = make_net(first_conv());
  m.compile({.optimizer = Adam({.learning_rate = 1e-3}), .loss = MeanSquaredError()});
  m.fit({images()}, labels(),
        {.epochs = 2, .batch_size = kBatch, .verbose = 0, .callbacks = callbacks});
  return m;
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("both Conv2D of the net run Winograd in every pass under both makers' rules") {
  for (auto [in, out] : {std::pair<std::int64_t, std::int64_t>{32, 64}, {64, 32}})
    for (std::int64_t batch : {kBatch, 2 * kBatch}) {
      const kernels::ConvGeometry g{Shape{batch, 28, 28, in}, out, {3, 3}, {1, 1},
                                    {1, 1}, {1, 1}, {1, 1}, {28, 28}};
      for (kernels::CpuMaker maker : {kernels::CpuMaker::amd, kernels::CpuMaker::intel})
        for (kernels::ConvPass pass : {kernels::ConvPass::forward, kernels::ConvPass::backward_data,
                                       kernels::ConvPass::backward_weights,
                                       kernels::ConvPass::inference}) {
          CAPTURE(in);
          CAPTURE(batch);
          CAPTURE(static_cast<int>(maker));
          CAPTURE(static_cast<int>(pass));
          CHECK(kernels::winograd_rule(g, pass, maker));
        }
    }
}

TEST_CASE("weights, .keras and checkpoint files cross a switch of algorithm: same weights") {
  RestoreAlgorithm restore;
  clear_session();
  testing::TempDir dir;
  const Tensor x = images();
  Model m = trained(ConvolutionAlgorithm::automatic,
                    {ModelCheckpoint(dir.file("e{epoch}.weights.h5"))});
  m.save_weights(dir.file("w.weights.h5"));
  keras::save_model(m, dir.file("m.keras"));
  const Tensor wino = m.predict(x);
  set_convolution_algorithm(ConvolutionAlgorithm::direct);
  const Tensor direct = m.predict(x);
  CHECK(close(direct, wino));
  for (const char* file : {"w.weights.h5", "e2.weights.h5"}) {
    INFO(file);
    Model other = make_net(first_conv());
    other.load_weights(dir.file(file));
    CHECK(same_weights(other, m));
    CHECK(allclose(other.predict(x), direct, 0.0, 0.0));  // direct: the same bits
    set_convolution_algorithm(ConvolutionAlgorithm::automatic);
    CHECK(allclose(other.predict(x), wino, 0.0, 0.0));
    set_convolution_algorithm(ConvolutionAlgorithm::direct);
  }
  Model loaded = keras::load_model(dir.file("m.keras"));
  CHECK(same_weights(loaded, m));
  CHECK(allclose(loaded.predict(x), direct, 0.0, 0.0));
}

TEST_CASE("predict, fit, predict on one shape: inference and training plans under each algorithm") {
  RestoreAlgorithm restore;
  const Tensor x = images();
  std::vector<Tensor> after;
  for (ConvolutionAlgorithm alg : {ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct}) {
    clear_session();
    set_convolution_algorithm(alg);
    Model m = make_net(first_conv());
    m.compile({.optimizer = SGD({.learning_rate = 1e-3}), .loss = MeanSquaredError()});
    const Tensor before = m.predict(x);
    m.fit({x}, labels(), {.epochs = 1, .batch_size = kBatch, .verbose = 0});
    const Tensor now = m.predict(x);
    CHECK_FALSE(allclose(now, before, 1e-6, 1e-6));  // the kept kernel followed the step
    CHECK(allclose(fresh_copy(m).predict(x), now, 0.0, 0.0));
    after.push_back(now);
  }
  INFO("largest difference " << max_abs(after[0] - after[1]) << " of " << max_abs(after[1]));
  CHECK(close(after[0], after[1], kRelTrained));
}

TEST_CASE("a Conv2D shared by a training model and a predicting model, across a switch") {
  RestoreAlgorithm restore;
  clear_session();
  const Tensor x = images();
  Conv2D shared = first_conv();
  Model training = make_net(shared), predicting = make_net(shared);
  training.compile({.optimizer = SGD({.learning_rate = 1e-3}), .loss = MeanSquaredError()});
  for (ConvolutionAlgorithm alg : {ConvolutionAlgorithm::automatic, ConvolutionAlgorithm::direct,
                                   ConvolutionAlgorithm::automatic}) {
    set_convolution_algorithm(alg);
    (void)predicting.predict(x);  // keeps the shared kernel blocked for predict
    training.fit({x}, labels(), {.epochs = 1, .batch_size = kBatch, .verbose = 0});
    const Tensor now = predicting.predict(x);
    CHECK(allclose(fresh_copy(predicting).predict(x), now, 0.0, 0.0));
  }
}

}  // TEST_SUITE
