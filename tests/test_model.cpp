// Suite "model": functional and Sequential models, summary, fit/evaluate/predict, callbacks,
// optimizers, determinism, and the data contracts checked before training.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;

namespace {

// A learnable two-input problem: the class is the argmax of a fixed linear map of both views.
struct Synthetic {
  Tensor image, thumb, labels;
};

Synthetic make_data(std::int64_t n, std::uint64_t seed) {
  Synthetic d;
  d.image = Tensor::uniform({n, 6, 6, 1}, seed);
  d.thumb = Tensor::uniform({n, 3, 3, 1}, seed + 1);
  Tensor w1 = Tensor::randn({36, 3}, 42), w2 = Tensor::randn({9, 3}, 43);
  Tensor scores = matmul(d.image.reshape({n, 36}), w1) + matmul(d.thumb.reshape({n, 9}), w2) * 2.0;
  d.labels = scores.argmax(1).astype(DType::i32);
  return d;
}

Model two_view_model() {
  auto image = Input({6, 6, 1}, {.name = "image"});
  auto thumb = Input({3, 3, 1}, {.name = "thumb"});
  auto a = Flatten()(image);
  auto b = Flatten()(thumb);
  auto z = Concatenate()({a, b});
  z = Dense(32, {.activation = Activation::relu})(z);
  auto logits = Dense(3)(z);
  return Model({image, thumb}, logits, "two_view");
}

void compile_sgd(Model& m, double lr = 0.1) {
  m.compile({.optimizer = SGD({.learning_rate = lr, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
}

}  // namespace

TEST_SUITE("model") {

TEST_CASE("functional model: shapes inferred at build time, summary and counts") {
  clear_session();
  Model m = two_view_model();
  CHECK(m.outputs()[0].shape() == Shape{kUnknown, 3});
  // Flatten 36 + 9 = 45 features; Dense(32): 45*32+32; Dense(3): 32*3+3.
  CHECK(m.count_params() == 45 * 32 + 32 + 32 * 3 + 3);
  std::string s = m.summary_text();
  CHECK(s.find("Model: \"two_view\"") != std::string::npos);
  CHECK(s.find("image (InputLayer)") != std::string::npos);
  CHECK(s.find("concatenate (Concatenate)") != std::string::npos);
  CHECK(s.find("(None, 45)") != std::string::npos);
  CHECK(s.find("flatten, flatten_1") != std::string::npos);  // "Connected to"
  CHECK(s.find("Total params: 1,571") != std::string::npos);
  CHECK(s.find("Non-trainable params: 0") != std::string::npos);
  std::string dot = m.to_dot();
  CHECK(dot.find("digraph") != std::string::npos);
  CHECK(dot.find("label=\" (None, 36)\"") != std::string::npos);
  CHECK(m.get_layer("dense_1").weights()[0].shape() == Shape{32, 3});
}

TEST_CASE("automatic names follow Keras and user names must be unique") {
  clear_session();
  CHECK(Dense(2).name() == "dense");
  CHECK(Dense(2).name() == "dense_1");
  CHECK(Conv2D(2, {3, 3}).name() == "conv2d");
  CHECK(Dense(2, {.name = "head"}).name() == "head");
  auto x = Input({4});
  auto y = Dense(2, {.name = "same"})(Dense(3, {.name = "same"})(x));
  auto e = capture([&] { Model(x, y); });
  CHECK(e.code() == "model.graph");
  CHECK(e.actual().find("'same'") != std::string::npos);
}

TEST_CASE("model.graph: a needed Input not listed, and a listed Input unused") {
  auto a = Input({4}, {.name = "a"});
  auto b = Input({4}, {.name = "b"});
  auto z = Concatenate()({a, b});
  auto e = capture([&] { Model(a, Dense(2)(z)); });
  CHECK(e.code() == "model.graph");
  CHECK(e.phase() == Phase::build);
  CHECK(e.actual().find("b (None, 4)") != std::string::npos);
  CHECK(e.fix().find("Model({a, b}") != std::string::npos);
  CHECK(e.where().find("test_model.cpp") != std::string::npos);
  auto e2 = capture([&] { Model({a, b}, Dense(2)(a)); });
  CHECK(e2.code() == "model.graph");
  CHECK(e2.actual().find("unused: b") != std::string::npos);
}

TEST_CASE("a layer called twice shares its weights and raises dense.features on a new width") {
  auto a = Input({4});
  auto b = Input({4});
  Dense shared(3);
  auto y = Concatenate()({shared(a), shared(b)});
  Model m({a, b}, y);
  CHECK(m.count_params() == 4 * 3 + 3);  // counted once
  // ... and listed once in the summary, as Keras lists model.layers, with both calls' inputs.
  const std::string table = m.summary_text();
  const std::string row = "| " + shared.name() + " (Dense)";
  CHECK(table.find(row) != std::string::npos);
  CHECK(table.find(row, table.find(row) + 1) == std::string::npos);
  const std::string line = table.substr(table.find(row), table.find('\n', table.find(row)) - table.find(row));
  CHECK(line.find(a.name() + ", " + b.name()) != std::string::npos);
  CHECK(line.find("(None, 3)") != std::string::npos);
  Tensor xa = Tensor::randn({2, 4}, 1);
  Tensor out = m.predict({xa, xa});
  CHECK(allclose(slice(out, 1, 0, 3), slice(out, 1, 3, 6)));
  auto c = Input({8});
  auto e = capture([&] { (void)shared(c); });
  CHECK(e.code() == "dense.features");
  CHECK(e.phase() == Phase::build);
  CHECK(e.expected() == "(None, 4)");
  CHECK(e.actual() == "(None, 8)");
}

TEST_CASE("Sequential") {
  Sequential mlp({Input({6}), Dense(8, {.activation = Activation::relu}), Dense(2)});
  CHECK(mlp.outputs()[0].shape() == Shape{kUnknown, 2});
  CHECK(mlp.layers().size() == 3);
  CHECK(mlp.predict(Tensor::zeros({5, 6})).shape() == Shape{5, 2});
}

TEST_CASE("fit learns a two-input problem; History, evaluate and predict") {
  clear_session();
  set_random_seed(5);
  Synthetic d = make_data(1200, 3);
  Model m = two_view_model();
  compile_sgd(m);
  History h = m.fit({d.image, d.thumb}, d.labels,
                    {.epochs = 8, .batch_size = 32, .seed = 1, .validation_split = 0.2, .verbose = 0});
  CHECK(h.epoch.size() == 8);
  CHECK(h.keys() == std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"});
  CHECK(h["loss"].back() < h["loss"].front());
  CHECK(h["val_accuracy"].back() > 0.85);
  Logs scores = m.evaluate({d.image, d.thumb}, d.labels);
  CHECK(scores.count("loss") == 1);
  CHECK(scores["accuracy"] > 0.85);
  Tensor p = m.predict({d.image, d.thumb}, {.batch_size = 100});
  CHECK(p.shape() == Shape{1200, 3});
  Tensor p_one = m.predict({d.image, d.thumb}, {.batch_size = 1200});
  CHECK(allclose(p, p_one, 1e-5, 1e-5));
  // evaluate's accuracy matches predictions computed independently
  auto pred = p.argmax(1).to_vector<std::int64_t>();
  auto lab = d.labels.to_vector<std::int64_t>();
  double hits = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) hits += pred[i] == lab[i];
  CHECK(scores["accuracy"] == doctest::Approx(hits / 1200.0).epsilon(1e-9));
}

TEST_CASE("determinism: the same seeds give bitwise-identical weights") {
  auto run = [] {
    clear_session();
    set_random_seed(11);
    Synthetic d = make_data(256, 9);
    Model m = two_view_model();
    compile_sgd(m);
    m.fit({d.image, d.thumb}, d.labels, {.epochs = 2, .batch_size = 32, .seed = 4, .verbose = 0});
    return clones(m.weights());
  };
  auto w1 = run(), w2 = run();
  CHECK(bitwise_equal(w1, w2));
}

TEST_CASE("SGD and Adam follow Keras's update rules") {
  Tensor w = Tensor::from_vector(std::vector<float>{1.0f, -2.0f}).requires_grad(true);
  SGD sgd({.learning_rate = 0.1, .momentum = 0.9});
  w.set_grad(Tensor::from_vector(std::vector<float>{0.5f, 1.0f}));
  sgd.impl()->step({w});  // v = -0.05, -0.1
  sgd.impl()->step({w});  // v = 0.9 v - 0.1 g = -0.095, -0.19
  CHECK(w.at({0}) == doctest::Approx(1.0 - 0.05 - 0.095).epsilon(1e-6));
  CHECK(w.at({1}) == doctest::Approx(-2.0 - 0.1 - 0.19).epsilon(1e-6));
  Tensor u = Tensor::from_vector(std::vector<float>{1.0f}).requires_grad(true);
  Adam adam({.learning_rate = 0.01});
  u.set_grad(Tensor::from_vector(std::vector<float>{0.3f}));
  adam.impl()->step({u});
  adam.impl()->step({u});
  // Two steps of g = 0.3: m = 0.057, v = 0.0001791; alpha = 0.01 sqrt(1-0.999^2)/(1-0.9^2)
  double m1 = 0.1 * 0.3, v1 = 0.001 * 0.09, a1 = 0.01 * std::sqrt(1 - 0.999) / (1 - 0.9);
  double w1 = 1.0 - a1 * m1 / (std::sqrt(v1) + 1e-7);
  double m2 = m1 + (0.3 - m1) * 0.1, v2 = v1 + (0.09 - v1) * 0.001;
  double a2 = 0.01 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
  CHECK(u.at({0}) == doctest::Approx(w1 - a2 * m2 / (std::sqrt(v2) + 1e-7)).epsilon(1e-5));
  SGD nesterov({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  Tensor z = Tensor::from_vector(std::vector<float>{0.0f}).requires_grad(true);
  z.set_grad(Tensor::from_vector(std::vector<float>{1.0f}));
  nesterov.impl()->step({z});  // v = -0.1; w += 0.9 * -0.1 - 0.1
  CHECK(z.at({0}) == doctest::Approx(-0.19).epsilon(1e-6));
}

TEST_CASE("data contracts are checked before the first step") {
  clear_session();
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto y = Dense(10)(Flatten()(image));
  Model m(image, y, "classifier");
  compile_sgd(m);
  Tensor labels = Tensor::zeros({100}, DType::i32);
  SUBCASE("input.rank: the channel axis is missing") {
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28}), labels, {.verbose = 0}); });
    CHECK(e.code() == "input.rank");
    CHECK(e.phase() == Phase::run);
    CHECK(e.expected() == "(None, 28, 28, 1)");
    CHECK(e.actual() == "(100, 28, 28)");
    CHECK(e.cause().find("channel axis is missing") != std::string::npos);
    CHECK(e.fix().find("expand_dims(x, -1)") != std::string::npos);
    CHECK(e.where().find("'image' (InputLayer)") != std::string::npos);
  }
  SUBCASE("input.rank: one image without its batch axis") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({28, 28, 1})); });
    CHECK(e.code() == "input.rank");
    CHECK(e.fix().find("expand_dims(x, 0)") != std::string::npos);
  }
  SUBCASE("input.rank: batched twice") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({4, 25, 28, 28, 1})); });
    CHECK(e.code() == "input.rank");
    CHECK(e.cause().find("batched twice") != std::string::npos);
  }
  SUBCASE("input.dtype: uint8 images are not cast silently") {
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}, DType::u8), labels, {.verbose = 0}); });
    CHECK(e.code() == "input.dtype");
    CHECK(e.expected() == "float32 (None, 28, 28, 1)");
    CHECK(e.actual() == "uint8 (100, 28, 28, 1)");
    CHECK(e.fix().find("astype(DType::f32) / 255.0") != std::string::npos);
    CHECK(e.fix().find("Rescaling") != std::string::npos);
  }
  SUBCASE("input.shape: a model built for 28x28 called with 32x32") {
    auto e = capture([&] { (void)m.predict(Tensor::zeros({2, 32, 32, 1})); });
    CHECK(e.code() == "input.shape");
    CHECK(e.info().marked == std::vector<int>{1, 2});
    CHECK(e.fix().find("Resizing(28, 28)") != std::string::npos);
    CHECK(e.cause().find("nothing overflows") != std::string::npos);
  }
  SUBCASE("input.count lists the Inputs") {
    auto e = capture([&] { (void)m.predict(std::vector<Tensor>{Tensor::zeros({2, 28, 28, 1}), Tensor::zeros({2, 3})}); });
    CHECK(e.code() == "input.count");
    CHECK(e.expected().find("image (None, 28, 28, 1)") != std::string::npos);
  }
  SUBCASE("batch.mismatch: 100 images and 90 labels") {
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}), Tensor::zeros({90}, DType::i32), {.verbose = 0}); });
    CHECK(e.code() == "batch.mismatch");
    CHECK(e.expected().find("100") != std::string::npos);
    CHECK(e.actual().find("90") != std::string::npos);
    CHECK(e.cause().find("Resizing cannot fix this") != std::string::npos);
  }
  SUBCASE("loss.label_range before any weight changes") {
    Tensor bad = Tensor::zeros({100}, DType::i32);
    bad.data<std::int32_t>()[57] = 12;
    auto before = clones(m.weights());
    auto e = capture([&] { m.fit(Tensor::zeros({100, 28, 28, 1}), bad, {.verbose = 0}); });
    CHECK(e.code() == "loss.label_range");
    CHECK(bitwise_equal(before, m.weights()));
  }
}

TEST_CASE("a failing step changes no weight, optimizer slot or BatchNorm statistic") {
  clear_session();
  auto image = Input({6, 6, 1});
  auto x = Conv2D(4, {3, 3})(image);
  x = BatchNorm()(x);
  auto y = Dense(3)(Flatten()(x));
  Model m(image, y);
  compile_sgd(m, 0.05);
  Synthetic d = make_data(64, 1);
  m.train_on_batch({d.image}, d.labels);  // creates momentum slots, moves BN statistics
  auto weights = clones(m.weights());
  auto slots = m.optimizer().impl()->slots();
  std::vector<Tensor> slot_copies;
  for (auto& s : slots) for (auto& t : s) slot_copies.push_back(t.clone());
  Tensor poisoned = d.image.clone();
  poisoned.data<float>()[10] = std::nanf("");
  auto e = capture([&] {
    NumericsScope checking;
    m.train_on_batch({poisoned}, d.labels);
  });
  CHECK(e.code() == "numerics.nonfinite");
  // The input holding the NaN is named, with the sample, before any layer runs.
  CHECK(e.info().summary.find("input 0 ('" + m.inputs()[0].name() +
                              "') holds non-finite values at train_on_batch") != std::string::npos);
  CHECK(e.cause().find("the first is in sample 0.") != std::string::npos);
  CHECK(e.actual().find("1 NaN and 0 Inf") != std::string::npos);
  CHECK(bitwise_equal(weights, m.weights()));  // includes BN moving mean and variance
  std::vector<Tensor> slot_after;
  for (auto& s : m.optimizer().impl()->slots()) for (auto& t : s) slot_after.push_back(t);
  CHECK(bitwise_equal(slot_copies, slot_after));
  CHECK(m.optimizer().impl()->iterations() == 1);
}

TEST_CASE("History stays reachable after fit fails mid-way") {
  clear_session();
  Synthetic d = make_data(96, 2);
  Model m = two_view_model();
  compile_sgd(m);
  int epochs_seen = 0;
  LambdaCallback count({.on_epoch_end = [&](Model&, int, Logs&) { ++epochs_seen; }});
  // The third epoch fails as it begins.
  LambdaCallback boom({.on_epoch_begin = [&](Model&, int epoch) {
    if (epoch == 2) throw std::runtime_error("boom");
  }});
  CHECK_THROWS_AS(m.fit({d.image, d.thumb}, d.labels,
                        {.epochs = 5, .batch_size = 32, .verbose = 0, .callbacks = {count, boom}}),
                  std::runtime_error);
  CHECK(epochs_seen == 2);
  CHECK(m.history().epoch.size() == 2);
  CHECK(m.history()["loss"].size() == 2);
}

TEST_CASE("callbacks: EarlyStopping, CSVLogger, ReduceLROnPlateau, TerminateOnNaN, Lambda") {
  clear_session();
  Synthetic d = make_data(128, 5);
  SUBCASE("EarlyStopping stops after `patience` epochs without improvement and restores") {
    Model m = two_view_model();
    compile_sgd(m, 1e-30);  // nothing can improve: too small to change a float32 weight
    History h = m.fit({d.image, d.thumb}, d.labels,
                      {.epochs = 20, .verbose = 0,
                       .callbacks = {EarlyStopping({.monitor = "loss", .patience = 2,
                                                    .restore_best_weights = true})}});
    CHECK(h.epoch.size() == 3);
  }
  SUBCASE("CSVLogger writes a header and one row per epoch") {
    auto path = std::filesystem::temp_directory_path() / "tenet_test_log.csv";
    Model m = two_view_model();
    compile_sgd(m);
    m.fit({d.image, d.thumb}, d.labels, {.epochs = 3, .validation_split = 0.25, .verbose = 0,
                                         .callbacks = {CSVLogger(path.string())}});
    std::ifstream in(path);
    std::string header, line;
    std::getline(in, header);
    CHECK(header == "epoch,accuracy,loss,val_accuracy,val_loss");
    int rows = 0;
    while (std::getline(in, line)) ++rows;
    CHECK(rows == 3);
    std::filesystem::remove(path);
  }
  SUBCASE("ReduceLROnPlateau divides the learning rate on a plateau") {
    Model m = two_view_model();
    compile_sgd(m, 1e-30);  // too small to change the loss: a plateau from the start
    m.fit({d.image, d.thumb}, d.labels,
          {.epochs = 4, .verbose = 0,
           .callbacks = {ReduceLROnPlateau({.monitor = "loss", .factor = 0.5, .patience = 1})}});
    CHECK(m.optimizer().impl()->learning_rate() == 1e-30 * 0.125);  // halved at epochs 2, 3, 4
    Model m2 = two_view_model();
    m2.compile({.optimizer = SGD({.learning_rate = 1e-12}), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
    m2.fit({d.image, d.thumb}, d.labels,
           {.epochs = 3, .verbose = 0,
            .callbacks = {ReduceLROnPlateau({.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 1.0})}});
    CHECK(m2.optimizer().impl()->learning_rate() == doctest::Approx(0.25e-12));
  }
  SUBCASE("TerminateOnNaN stops and keeps the last good weights") {
    Model m = two_view_model();
    compile_sgd(m, 1e30);
    History h = m.fit({d.image, d.thumb}, d.labels, {.epochs = 5, .verbose = 0, .callbacks = {TerminateOnNaN()}});
    CHECK(h.epoch.size() == 1);
    CHECK(h.stop_reason.find("TerminateOnNaN") != std::string::npos);
    for (const auto& w : m.weights())
      for (float v : w.to_vector<float>()) REQUIRE(std::isfinite(v));
  }
  SUBCASE("LambdaCallback sees every epoch and batch") {
    Model m = two_view_model();
    compile_sgd(m);
    int epochs = 0, batches = 0;
    m.fit({d.image, d.thumb}, d.labels,
          {.epochs = 2, .batch_size = 32, .verbose = 0,
           .callbacks = {LambdaCallback({.on_epoch_end = [&](Model&, int, Logs&) { ++epochs; },
                                         .on_batch_end = [&](Model&, int, Logs&) { ++batches; }})}});
    CHECK(epochs == 2);
    CHECK(batches == 8);
  }
}

TEST_CASE("fit and evaluate on a data::Dataset; a bad generator batch is named by index") {
  clear_session();
  set_random_seed(5);
  Synthetic d = make_data(1200, 3);
  Model m = two_view_model();
  compile_sgd(m);
  auto [train, val] = data::Dataset::from_tensors({d.image, d.thumb}, d.labels).split(0.25);
  History h = m.fit(train.shuffle(3).batch(32), {.epochs = 8, .verbose = 0}, &val);
  CHECK(h.keys() == std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"});
  CHECK(h["val_accuracy"].back() > 0.85);
  Logs scores = m.evaluate(val);  // unbatched: batched with the default batch size
  CHECK(scores["accuracy"] == doctest::Approx(h["val_accuracy"].back()).epsilon(1e-9));
  Tensor pv = m.predict(val);
  CHECK(pv.shape() == Shape{val.num_samples(), 3});
  // A generator whose third batch holds grayscale images without their channel axis.
  int calls = 0;
  auto gen = data::Dataset::from_generator([&]() -> std::optional<data::Batch> {
    if (calls++ == 4) return std::nullopt;
    Tensor img = calls == 3 ? Tensor::zeros({8, 6, 6}) : Tensor::zeros({8, 6, 6, 1});
    return data::Batch{{img, Tensor::zeros({8, 3, 3, 1})}, Tensor::zeros({8}, DType::i32)};
  });
  auto e = capture([&] { m.fit(gen, {.epochs = 1, .verbose = 0}); });
  CHECK(e.code() == "input.rank");
  CHECK(std::string(e.what()).find("batch 2 of the dataset") != std::string::npos);
  CHECK(e.fix().find("expand_dims(x, -1)") != std::string::npos);
}

TEST_CASE("uint8 images through a uint8 Input and Rescaling, and input.dtype at build time") {
  auto image = Input({6, 6, 1}, {.name = "pixels", .dtype = DType::u8});
  auto x = Rescaling(1.0 / 255)(image);
  auto logits = Dense(3)(Flatten()(x));
  Model m(image, logits);
  Tensor u8 = Tensor::full({4, 6, 6, 1}, 255, DType::u8);
  Tensor f = Tensor::full({4, 6, 6, 1}, 1.0);
  auto w = m.get_layer(m.layers().back().name()).weights();  // Dense kernel (36, 3), bias (3,)
  Tensor expected = matmul(Tensor::ones({4, 36}), w[0]) + w[1];  // 255 / 255 = 1 everywhere
  CHECK(allclose(m.predict(u8), expected, 1e-5, 1e-5));
  // The same model fed floats is refused: the Input declares uint8.
  CHECK(capture([&] { (void)m.predict(f); }).code() == "input.dtype");
  // Without Rescaling, a float layer directly on a uint8 Input is refused when built.
  auto e = capture([&] { (void)Flatten()(Input({6, 6, 1}, {.dtype = DType::u8})); });
  CHECK(e.code() == "input.dtype");
  CHECK(e.phase() == Phase::build);
  CHECK(e.fix().find("Rescaling(1.0 / 255)") != std::string::npos);
}

TEST_CASE("format_filepath fills epoch and metric templates") {
  CHECK(format_filepath("ck/e{epoch:02d}-{val_loss:.2f}.weights.h5", 3, {{"val_loss", 0.4567}}) ==
        "ck/e03-0.46.weights.h5");
  CHECK(capture([] { (void)format_filepath("{nope}", 1, {}); }).code() == "callback.filepath");
}

}  // TEST_SUITE
