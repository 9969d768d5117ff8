// Suite "core/training", part 3: the numerics guard (numerics.nonfinite). Checking is a property
// of one call on one thread (FitOptions::check_numerics, EvaluateOptions::check_numerics,
// NumericsScope); it sees NaN/Inf wherever they arise (input data, layer inputs, op outputs and
// gradients, the optimizer's update, BatchNorm statistics) and names that place; and it only
// reads values, so a clean run gives the same bits with checking on or off.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <latch>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

namespace {

// Conv2D -> BatchNorm -> ReLU -> MaxPool2D -> Flatten -> Dense, seeded: oneDNN's blocked
// layouts flow between the first four layers and BatchNorm + ReLU run as one fused kernel.
Model conv_bn_model() {
  auto in = Input({8, 8, 3});
  auto h = Conv2D(8, {3, 3}, {.padding = Padding::same, .seed = 5})(in);
  h = BatchNorm()(h);
  h = ReLU()(h);
  h = MaxPool2D({2, 2})(h);
  h = Flatten()(h);
  Model m(in, Dense(4, {.seed = 6})(h), "conv_bn");
  m.compile({.optimizer = Adam({.learning_rate = 0.01}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

// Whole weights (BatchNorm statistics included), compared byte for byte.
bool same_bytes(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].nbytes() != b[i].nbytes() ||
        std::memcmp(a[i].raw_data(), b[i].raw_data(), a[i].nbytes()) != 0)
      return false;
  return true;
}

// Input(3) -> Dense(2): the smallest model that trains.
Model dense_model(Optimizer opt, Loss loss) {
  auto in = Input({3});
  Model m(in, Dense(2, {.seed = 7})(in), "dense_model");
  m.compile({.optimizer = std::move(opt), .loss = std::move(loss)});
  return m;
}

// (n, 3) inputs in [-1, 1) with a NaN in each sample listed, and sparse labels.
Tensor data_x(std::int64_t n, std::vector<std::int64_t> nan_samples) {
  Tensor x = Tensor::uniform({n, 3}, 31, -1.0, 1.0);
  for (auto s : nan_samples) x.data<float>()[s * 3 + 2] = std::nanf("");
  return x;
}
Tensor data_y(std::int64_t n) {
  return Tensor::uniform({n}, 32, 0.0, 2.0).astype(DType::i32);
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("numerics: checking on or off trains Conv2D+BatchNorm+ReLU+MaxPool+Dense to the same bits") {
  Tensor x = Tensor::uniform({32, 8, 8, 3}, 21, -1.0, 1.0);
  Tensor y = Tensor::uniform({32}, 22, 0.0, 4.0).astype(DType::i32);
  auto train = [&](bool check) {
    Model m = conv_bn_model();
    History h = m.fit(x, y, {.epochs = 2, .batch_size = 8, .seed = 3, .verbose = 0,
                             .check_numerics = check});
    return std::make_pair(m.weights(), h["loss"]);
  };
  auto [off, loss_off] = train(false);
  auto [on, loss_on] = train(true);
  CHECK(same_bytes(off, on));
  REQUIRE(loss_off.size() == loss_on.size());
  CHECK(std::memcmp(loss_off.data(), loss_on.data(), loss_off.size() * sizeof(double)) == 0);
}

TEST_CASE("numerics: an optimizer update that overflows is named as the optimizer step and undone") {
  // Gradients near -200 at learning rate 1e38: kernel -= 1e38 * -200 overflows to +Inf. The
  // forward and backward passes are finite, so only a check of the update can see it.
  Model m = dense_model(SGD({.learning_rate = 1e38}), MeanSquaredError());
  Tensor x = Tensor::full({4, 3}, 1.0), y = Tensor::full({4, 2}, 100.0);
  std::vector<Tensor> before = tenet::testing::clones(m.weights());
  auto e = capture([&] {
    m.fit(x, y, {.batch_size = 4, .verbose = 0, .check_numerics = true});
  });
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.site().name == "SGD");
  CHECK(e.site().type == "optimizer");
  const std::string& summary = e.info().summary;
  INFO(std::string(e.what()));
  const std::string kernel = "'kernel' of '" + m.layers()[1].name() + "'";
  CHECK(has(summary, "variable " + kernel + " after the SGD update holds non-finite values at "
                     "training step 1, epoch 1, batch 1 of the epoch (counting from 1; index 0)"));
  CHECK(has(e.actual(), "0 NaN and 6 Inf among 6 values of (3, 2)"));
  CHECK(has(e.cause(), "learning rate 1e+38"));
  CHECK(has(e.cause(), "The update was undone"));
  CHECK(has(e.fix(), "lower the learning rate (it is 1e+38"));
  CHECK_FALSE(has(e.cause(), "data"));
  // Undone: weights as before, no optimizer step counted.
  CHECK(same_bytes(before, m.weights()));
  CHECK(m.optimizer().impl()->iterations() == 0);
}

TEST_CASE("numerics: optimizer slots that overflow are named, and the update is undone") {
  // Momentum 0.9: the velocity slot overflows with the kernel; the kernel is named first.
  Model m = dense_model(SGD({.learning_rate = 1e38, .momentum = 0.9}), MeanSquaredError());
  Tensor x = Tensor::full({4, 3}, 1.0), y = Tensor::full({4, 2}, 100.0);
  OptimizerImpl& sgd = *m.optimizer().impl();
  sgd.set_learning_rate(0.01);
  m.train_on_batch({x}, y);  // a clean step: the velocity slots exist
  sgd.set_learning_rate(1e38);
  std::vector<Tensor> before = tenet::testing::clones(m.weights());
  std::vector<Tensor> slots_before;
  for (const auto& s : m.optimizer().impl()->slots())
    for (const auto& t : s) slots_before.push_back(t.clone());
  auto e = capture([&] {
    NumericsScope checking;
    m.train_on_batch({x}, y);
  });
  INFO(std::string(e.what()));
  CHECK(has(e.info().summary, "after the SGD update holds non-finite values at train_on_batch"));
  CHECK(same_bytes(before, m.weights()));
  std::vector<Tensor> slots_after;
  for (const auto& s : m.optimizer().impl()->slots())
    for (const auto& t : s) slots_after.push_back(t);
  CHECK(same_bytes(slots_before, slots_after));
  CHECK(m.optimizer().impl()->iterations() == 1);
}

TEST_CASE("numerics: a variable set to NaN is named as the variable, not blamed on the data") {
  Model m = dense_model(Adam(), SparseCategoricalCrossentropy({.from_logits = true}));
  Layer dense = m.layers()[1];
  dense.set_weights({Tensor::full({3, 2}, std::nan("")), Tensor::zeros({2})});
  auto e = capture([&] {
    m.fit(data_x(8, {}), data_y(8), {.batch_size = 4, .verbose = 0, .check_numerics = true});
  });
  INFO(std::string(e.what()));
  CHECK(e.site().name == dense.name());
  CHECK(has(e.info().summary, "variable 'kernel' of '" + dense.name() +
                                  "' holds non-finite values at the start of fit"));
  CHECK(has(e.actual(), "6 NaN and 0 Inf among 6 values of (3, 2)"));
  CHECK(has(e.cause(), "set_weights"));
  CHECK(has(e.cause(), "the data is not involved"));
  CHECK(m.optimizer().impl()->iterations() == 0);
  // Eagerly, the op reading the NaN kernel says it is a variable, not data.
  auto e2 = capture([&] {
    NumericsScope checking;
    (void)dense(Tensor::ones({1, 3}));
  });
  INFO(std::string(e2.what()));
  CHECK(has(e2.cause(), "that input is a variable (a layer weight)"));
  CHECK_FALSE(has(e2.cause(), "from the data"));
}

TEST_CASE("numerics: BatchNorm statistics overflowing on inputs near 1e30 are named before they are kept") {
  auto in = Input({3});
  BatchNorm bn;
  Model m(in, Dense(1, {.seed = 8})(bn(in)), "bn_overflow");
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  Tensor x = Tensor::uniform({8, 3}, 41, 1.0, 2.0) * 1e30;  // finite, squares are not
  std::vector<Tensor> before = tenet::testing::clones(m.weights());
  auto e = capture([&] {
    m.fit(x, Tensor::zeros({8, 1}), {.batch_size = 8, .verbose = 0, .check_numerics = true});
  });
  INFO(std::string(e.what()));
  CHECK(e.site().name == bn.name());
  CHECK(has(e.info().summary, "the batch variance of '" + bn.name() + "' (BatchNorm) holds "
                              "non-finite values at training step 1"));
  CHECK(has(e.actual(), "among 3 values of (3,)"));
  CHECK(has(e.cause(), "reach magnitude 1.9"));
  CHECK(has(e.cause(), "e+30"));
  CHECK(has(e.cause(), "moving_variance"));
  CHECK(same_bytes(before, m.weights()));  // moving mean and variance untouched
  for (float v : bn.weights()[3].to_vector<float>()) CHECK(v == 1.0f);
}

TEST_CASE("numerics: NaN in the input data is named as the input and the user's sample") {
  clear_session();
  Model m = dense_model(SGD(), SparseCategoricalCrossentropy({.from_logits = true}));
  const std::string input = m.inputs()[0].name();
  // Shuffled or not, the arrays given to fit are checked whole first: the sample is their row.
  auto e = capture([&] {
    m.fit(data_x(16, {11}), data_y(16),
          {.batch_size = 4, .shuffle = true, .seed = 5, .verbose = 0, .check_numerics = true});
  });
  INFO(std::string(e.what()));
  CHECK(e.site().name == input);
  CHECK(has(e.info().summary, "input 0 ('" + input + "') holds non-finite values at the start of fit"));
  CHECK(has(e.cause(), "the data holds NaN/Inf: the first is in sample 11."));
  CHECK(m.optimizer().impl()->iterations() == 0);  // before anything trained
  // Validation arrays too, before the first step.
  auto v = capture([&] {
    m.fit(data_x(8, {}), data_y(8), {.batch_size = 4, .validation_data = ValidationData{{data_x(4, {1})}, data_y(4)},
                                     .verbose = 0, .check_numerics = true});
  });
  CHECK(has(v.info().summary, "at the start of fit (validation_data)"));
  CHECK(has(v.cause(), "the first is in sample 1."));
  CHECK(m.optimizer().impl()->iterations() == 0);
  // Labels, with a loss that reads them as floats.
  Model r = dense_model(SGD(), MeanSquaredError());
  Tensor y = Tensor::zeros({8, 2});
  y.data<float>()[13] = std::numeric_limits<float>::infinity();
  auto l = capture([&] { r.fit(data_x(8, {}), y, {.batch_size = 8, .shuffle = false, .verbose = 0,
                                                    .check_numerics = true}); });
  CHECK(has(l.info().summary, "the label array y holds non-finite values"));
  CHECK(has(l.cause(), "the first is in sample 6."));
  // evaluate has the same option.
  auto ev = capture([&] {
    NumericsScope on;
    (void)m.evaluate(data_x(8, {3}), data_y(8), {.batch_size = 8});
  });
  CHECK(has(ev.info().summary, "holds non-finite values at evaluate"));
  CHECK(has(ev.cause(), "the first is in sample 3."));
  // A Dataset knows no sample numbers: its batch and row are named.
  auto ds = capture([&] {
    m.fit(data::Dataset::from_tensors({data_x(8, {6})}, data_y(8)),
          {.batch_size = 4, .verbose = 0, .check_numerics = true});
  });
  CHECK(has(ds.info().summary, "at training step 2, epoch 1, batch 2 of the epoch (counting from 1; index 1)"));
  CHECK(has(ds.cause(), "the first is in row 2 of batch 2 of the epoch (counting from 1; index 1)."));
  CHECK_FALSE(check_numerics());
}

TEST_CASE("numerics: NaN entering a ReLU is reported instead of becoming 0") {
  ReLU relu;
  Tensor x = Tensor::from_vector(std::vector<float>{1.0f, std::nanf(""), -1.0f});
  // Unchecked, the NaN silently becomes 0: why the input must be checked.
  CHECK(relu(x).to_vector<float>() == std::vector<float>{1.0f, 0.0f, 0.0f});
  auto e = capture([&] {
    NumericsScope checking;
    (void)relu(x);
  });
  INFO(std::string(e.what()));
  CHECK(e.code() == "numerics.nonfinite");
  CHECK(e.site().name == relu.name());
  CHECK(has(e.info().summary, "input 0 of '" + relu.name() + "' (ReLU) holds non-finite values"));
  CHECK(has(e.actual(), "1 NaN and 0 Inf among 3 values of (3,), first at flat index 1"));
  CHECK(has(e.cause(), "turn NaN into 0"));
  // A ReLU fused into a Dense hides it the same way; its input is checked too.
  Dense fused(2, {.activation = Activation::relu, .seed = 3});
  Tensor row = Tensor::from_vector(std::vector<float>{std::nanf(""), 0, 0}).reshape({1, 3});
  auto f = capture([&] {
    NumericsScope checking;
    (void)fused(row);
  });
  CHECK(f.code() == "numerics.nonfinite");
  CHECK(f.site().name == fused.name());
}

TEST_CASE("numerics: checking is per call and per thread, never process-wide") {
  {
    NumericsScope checking;
    CHECK(check_numerics());
    bool seen_elsewhere = true;
    std::thread([&] { seen_elsewhere = check_numerics(); }).join();
    CHECK_FALSE(seen_elsewhere);
    {
      NumericsScope off(false);
      CHECK_FALSE(check_numerics());
    }
    CHECK(check_numerics());
  }
  CHECK_FALSE(check_numerics());
  // Data whose last batch holds NaN. Unchecked, TerminateOnNaN skips that batch's update and
  // training ends with finite weights; checked, fit raises. One thread checks, one does not,
  // at the same time: the unchecked one must never raise and must match a lone run bit for bit.
  auto model = [] { return dense_model(SGD({.learning_rate = 0.1}),
                                       SparseCategoricalCrossentropy({.from_logits = true})); };
  const Tensor x = data_x(64, {63}), y = data_y(64);
  const FitOptions unchecked{.epochs = 1, .batch_size = 8, .shuffle = false, .verbose = 0,
                             .callbacks = {TerminateOnNaN()}};
  Model reference = model();
  reference.fit(x, y, unchecked);
  constexpr int kRounds = 8;
  std::latch start(2);
  std::atomic<int> raised_checked{0}, raised_unchecked{0}, differing{0};
  std::thread checked_thread([&] {
    start.arrive_and_wait();
    for (int i = 0; i < kRounds; ++i) {
      Model m = model();
      try {
        m.fit(x, y, {.batch_size = 8, .shuffle = false, .verbose = 0, .check_numerics = true});
      } catch (const ContractError& e) {
        raised_checked += e.code() == "numerics.nonfinite";
      }
    }
  });
  std::thread unchecked_thread([&] {
    start.arrive_and_wait();
    for (int i = 0; i < kRounds; ++i) {
      Model m = model();
      try {
        m.fit(x, y, unchecked);
        differing += !same_bytes(m.weights(), reference.weights());
      } catch (const ContractError&) {
        ++raised_unchecked;
      }
    }
  });
  checked_thread.join();
  unchecked_thread.join();
  CHECK(raised_checked == kRounds);
  CHECK(raised_unchecked == 0);
  CHECK(differing == 0);
  for (float v : reference.weights()[0].to_vector<float>()) CHECK(std::isfinite(v));
}

}  // TEST_SUITE
