// Suite "layers": hostile uses of Conv2D's kept kernel (core/kernels/conv.cpp, BlockedKernel):
// every optimizer's steps in fit, EarlyStopping's restore, a checkpoint restored, a Conv2D shared
// by two models, two threads predicting on one model and predicting while another model's
// weights change; and the public calls that only read the kernel keep its version trusted
// (a mutable pointer handed out by a read would silently disable the kept copy for good).
#include <doctest/doctest.h>

#include <thread>
#include <utility>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/tensor/tensor_impl.hpp"  // storage_version
#include "support/test_util.hpp"

using namespace tenet;

namespace {

constexpr std::int64_t kChannels = 16;  // the kernel's oneDNN layout is blocked, not hwio

struct Net {
  Conv2D conv{kChannels, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 3}};
  Dense dense{2};
  Model model;
  Net() : model(make()) {}
  Model make() {
    auto in = Input({5, 5, kChannels});
    return Model(in, dense(Flatten()(MaxPool2D({2, 2})(conv(in)))));
  }
};

Tensor images(std::uint64_t seed = 8) { return Tensor::randn({6, 5, 5, kChannels}, seed); }
Tensor labels() { return Tensor::randn({6, 2}, 9); }

// A model that never ran, given `n`'s weights (read through const handles), on x.
Tensor fresh_output(const Net& n, const Tensor& x) {
  Net fresh;
  const std::vector<Tensor> c = n.conv.weights(), d = n.dense.weights();
  fresh.conv.set_weights({c[0], c[1]});
  fresh.dense.set_weights({d[0], d[1]});
  return fresh.model.predict(x);
}

// Exactly the fresh model's output, and no NaN (NaN never equals itself: the check means it).
void check_same_as_fresh(Net& n, const Tensor& x) {
  const Tensor now = n.model.predict(x);
  REQUIRE(allclose(now, now, 0.0, 0.0));
  CHECK(allclose(now, fresh_output(n, x), 0.0, 0.0));
}

std::uint64_t kernel_version(const Net& n) { return storage_version(n.conv.weights()[0]); }

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("Conv2D's kept kernel follows every optimizer's steps in fit") {
  const Tensor x = images(), y = labels();
  const std::vector<Optimizer> optimizers = {
      SGD({.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}), Adam({.learning_rate = 0.01}),
      AdamW({.learning_rate = 0.01, .weight_decay = 0.1}),
      RMSprop({.learning_rate = 0.01, .momentum = 0.5, .centered = true})};
  for (const Optimizer& opt : optimizers) {
    clear_session();
    Net n;
    const Tensor before = n.model.predict(x);  // the kernel kept from here
    n.model.compile({.optimizer = opt, .loss = MeanSquaredError()});
    n.model.fit({x}, y, {.epochs = 2, .batch_size = 4, .verbose = 0});
    CHECK_FALSE(allclose(n.model.predict(x), before, 1e-4, 1e-4));
    check_same_as_fresh(n, x);
  }
}

TEST_CASE("Conv2D's kept kernel follows EarlyStopping's restore and a restored checkpoint") {
  clear_session();
  const Tensor x = images(), y = labels();
  Net n;
  tenet::testing::TempDir dir;
  n.model.compile({.optimizer = SGD({.learning_rate = 0.01}), .loss = MeanSquaredError()});
  n.model.fit({x}, y, {.epochs = 1, .batch_size = 6, .verbose = 0});
  n.model.save_weights(dir.file("a.weights.h5"));
  const Tensor saved = n.model.predict(x);
  // A learning rate that makes the second epoch worse (NaN): EarlyStopping stops there and
  // restores the first epoch's weights (finite).
  n.model.compile({.optimizer = SGD({.learning_rate = 0.2}), .loss = MeanSquaredError()});
  n.model.fit({x}, y, {.epochs = 3, .batch_size = 2, .validation_data = ValidationData{{x}, y},
                       .verbose = 0,
                       .callbacks = {EarlyStopping({.monitor = "val_loss", .patience = 1,
                                                    .restore_best_weights = true})}});
  check_same_as_fresh(n, x);
  n.model.load_weights(dir.file("a.weights.h5"));
  CHECK(allclose(n.model.predict(x), saved, 0.0, 0.0));
  check_same_as_fresh(n, x);
}

TEST_CASE("a Conv2D shared by two models: training one reaches the other's kept kernel") {
  clear_session();
  Net n;
  auto in = Input({7, 7, kChannels});
  Model other(in, GlobalAveragePooling2D()(n.conv(in)));
  const Tensor x = images(), x7 = Tensor::randn({6, 7, 7, kChannels}, 4);
  const Tensor y = n.model.predict(x);  // both models' plans keep the kernel
  (void)other.predict(x7);
  other.compile({.optimizer = Adam({.learning_rate = 0.05}), .loss = MeanSquaredError()});
  other.fit({x7}, Tensor::ones({6, kChannels}), {.epochs = 1, .batch_size = 3, .verbose = 0});
  CHECK_FALSE(allclose(n.model.predict(x), y, 1e-4, 1e-4));
  check_same_as_fresh(n, x);
}

TEST_CASE("two threads predicting on one model get the single-thread result") {
  clear_session();
  Net n;
  const Tensor x = images();
  const Tensor want = n.model.predict(x);
  std::vector<int> same(2, 0);
  auto worker = [&](int t) {
    for (int i = 0; i < 20; ++i) same[static_cast<std::size_t>(t)] += allclose(n.model.predict(x), want, 0.0, 0.0);
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  CHECK(same == std::vector<int>{20, 20});
}

TEST_CASE("predicting on one model while another model's weights change gives the same result") {
  clear_session();
  Net n, other;
  const Tensor x = images();
  const Tensor want = n.model.predict(x);
  (void)other.model.predict(x);
  int same = 0;
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      other.conv.set_weights({Tensor::randn({3, 3, kChannels, kChannels}, 100 + static_cast<std::uint64_t>(i)),
                              Tensor::zeros({kChannels})});
      (void)other.model.predict(x);
    }
  });
  for (int i = 0; i < 20; ++i) same += allclose(n.model.predict(x), want, 0.0, 0.0);
  writer.join();
  CHECK(same == 20);
}

TEST_CASE("reading the weights through public calls keeps Conv2D's kernel version trusted") {
  clear_session();
  Net n;
  const Tensor x = images(), y = labels();
  tenet::testing::TempDir dir;
  n.model.compile({.optimizer = Adam({.learning_rate = 0.01}), .loss = MeanSquaredError()});
  n.model.fit({x}, y, {.epochs = 2, .batch_size = 3, .validation_data = ValidationData{{x}, y},
                       .verbose = 0,
                       .callbacks = {EarlyStopping({.patience = 3, .restore_best_weights = true}),
                                     ModelCheckpoint(dir.file("e{epoch}.weights.h5"))}});
  CHECK(kernel_version(n) != 0);
  n.model.fit({x}, y, {.epochs = 1, .batch_size = 3, .verbose = 0, .check_numerics = true});
  CHECK(kernel_version(n) != 0);
  (void)n.model.evaluate({x}, y);
  n.model.save_weights(dir.file("w.weights.h5"));
  (void)n.model.summary_text();
  (void)n.conv.weights()[0].to_vector<float>();
  (void)n.model.weights()[0].at({0, 0, 0, 0});
  CHECK(kernel_version(n) != 0);
  n.model.load_weights(dir.file("e1.weights.h5"));
  CHECK(kernel_version(n) != 0);
  check_same_as_fresh(n, x);
}

}  // TEST_SUITE

TEST_SUITE("layers") {

TEST_CASE("a model loaded twice from one .keras file: training one leaves the other's kernel") {
  clear_session();
  Net n;
  const Tensor x = images(), y = labels();
  tenet::testing::TempDir dir;
  const Tensor want = n.model.predict(x);
  keras::save_model(n.model, dir.file("m.keras"));
  Model a = keras::load_model(dir.file("m.keras")), b = keras::load_model(dir.file("m.keras"));
  CHECK(allclose(a.predict(x), want, 0.0, 0.0));
  CHECK(allclose(b.predict(x), want, 0.0, 0.0));
  b.compile({.optimizer = SGD({.learning_rate = 0.05, .momentum = 0.9}), .loss = MeanSquaredError()});
  b.fit({x}, y, {.epochs = 2, .batch_size = 2, .verbose = 0});
  CHECK(allclose(a.predict(x), want, 0.0, 0.0));  // a's kernel and its kept copy untouched
  const Tensor trained = b.predict(x);
  CHECK_FALSE(allclose(trained, want, 1e-4, 1e-4));
  b.save_weights(dir.file("b.weights.h5"));
  a.load_weights(dir.file("b.weights.h5"));
  CHECK(allclose(a.predict(x), trained, 0.0, 0.0));
}

}  // TEST_SUITE
