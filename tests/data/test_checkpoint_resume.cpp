// Suite "data", part 2: optimizer state (exact resume), ModelCheckpoint, and the two
// Keras directions driven by scripts/keras_compat.py through environment variables.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <tenet/tenet.hpp>

#include "support/test_checkpoint_util.hpp"

using namespace tenet;
using namespace ckpt;
namespace fs = std::filesystem;

TEST_SUITE("data") {

TEST_CASE("resume: fit 2 epochs == fit 1, save, load into a fresh model, fit 1 more (bitwise)") {
  TempDir dir;
  const CompatData d = compat_data(48, 11);
  const FitOptions one{.epochs = 1, .batch_size = 16, .seed = 3, .verbose = 0};
  FitOptions second = one;
  second.epochs = 2;
  second.initial_epoch = 1;

  clear_session();
  set_random_seed(7);
  Model straight = compat_model();
  compile_adam(straight);
  FitOptions two = one;
  two.epochs = 2;
  straight.fit({d.image, d.thumb}, d.labels, two);

  clear_session();
  set_random_seed(7);
  Model first = compat_model();
  compile_adam(first);
  first.fit({d.image, d.thumb}, d.labels, one);
  first.save_weights(dir.file("e1.weights.h5"));

  clear_session();
  set_random_seed(99);  // different initial weights: everything must come from the file
  Model resumed = compat_model();
  compile_adam(resumed);
  CHECK(resumed.load_weights(dir.file("e1.weights.h5")).empty());
  CHECK(resumed.optimizer().impl()->iterations() == 3);
  resumed.fit({d.image, d.thumb}, d.labels, second);
  CHECK(bitwise_equal(straight.weights(), resumed.weights()));
  CHECK(resumed.optimizer().impl()->iterations() == straight.optimizer().impl()->iterations());

  // Control: the same weights with a fresh optimizer do not resume exactly.
  clear_session();
  Model fresh_opt = compat_model();
  fresh_opt.load_weights(dir.file("e1.weights.h5"));  // not compiled: optimizer state ignored
  compile_adam(fresh_opt);
  fresh_opt.fit({d.image, d.thumb}, d.labels, second);
  CHECK_FALSE(bitwise_equal(straight.weights(), fresh_opt.weights()));
}

TEST_CASE("resume: the learning rate comes back exactly, not rounded through Keras's float32 variable") {
  TempDir dir;
  const CompatData d = compat_data(48, 11);
  for (double lr : {0.001, 0.0006, 0.1}) {  // Adam's default; what ReduceLROnPlateau makes of 0.002
    CAPTURE(lr);
    auto compile = [lr](Model& m) {
      m.compile({.optimizer = Adam({.learning_rate = lr}),
                 .loss = SparseCategoricalCrossentropy({.from_logits = true})});
    };
    const FitOptions one{.epochs = 1, .batch_size = 16, .seed = 3, .verbose = 0};
    FitOptions two = one, second = one;
    two.epochs = second.epochs = 2;
    second.initial_epoch = 1;
    clear_session();
    set_random_seed(7);
    Model straight = compat_model();
    compile(straight);
    straight.fit({d.image, d.thumb}, d.labels, two);

    clear_session();
    set_random_seed(7);
    Model first = compat_model();
    compile(first);
    first.fit({d.image, d.thumb}, d.labels, one);
    first.save_weights(dir.file("lr.weights.h5"));

    clear_session();
    set_random_seed(99);
    Model resumed = compat_model();
    resumed.compile({.optimizer = Adam({.learning_rate = 0.5}),  // the file's rate must win
                     .loss = SparseCategoricalCrossentropy({.from_logits = true})});
    CHECK(resumed.load_weights(dir.file("lr.weights.h5")).empty());
    CHECK(resumed.optimizer().impl()->learning_rate() == lr);  // exactly, not 0.0010000000474974513
    resumed.fit({d.image, d.thumb}, d.labels, second);
    CHECK(bitwise_equal(straight.weights(), resumed.weights()));
  }
}

TEST_CASE("optimizer state of another optimizer is skipped with a warning, weights load") {
  TempDir dir;
  clear_session();
  Model a = mlp({4}, 3);
  a.compile({.optimizer = SGD({.learning_rate = 0.1, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::uniform({8, 6}, 1);
  const Tensor y = Tensor::uniform({8}, 2, 0.0, 2.99).astype(DType::i32);
  a.train_on_batch({x}, y);
  a.save_weights(dir.file("sgd.weights.h5"));
  Model b = mlp({4}, 3);
  b.compile({.optimizer = Adam(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const auto skipped = b.load_weights(dir.file("sgd.weights.h5"));
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].find("optimizer: the file holds 'sgd' state") == 0);
  CHECK(bitwise_equal(a.weights(), b.weights()));
  CHECK(b.optimizer().impl()->iterations() == 0);
  CHECK(b.optimizer().impl()->slots().empty());
  // The same optimizer type: iterations, learning rate and momentum slots come back.
  Model c = mlp({4}, 3);
  c.compile({.optimizer = SGD({.learning_rate = 0.5, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  CHECK(c.load_weights(dir.file("sgd.weights.h5")).empty());
  CHECK(c.optimizer().impl()->iterations() == 1);
  CHECK(std::abs(c.optimizer().impl()->learning_rate() - 0.1) < 1e-7);
  REQUIRE(c.optimizer().impl()->slots().size() == 4);
  CHECK(array_equal(c.optimizer().impl()->slots()[3][0], a.optimizer().impl()->slots()[3][0]));
}

TEST_CASE("ModelCheckpoint: {epoch:02d} files, and save_best_only") {
  TempDir dir;
  clear_session();
  Model m = mlp({4}, 3);
  m.compile({.optimizer = SGD({.learning_rate = 0.1}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  const Tensor x = Tensor::uniform({16, 6}, 4);
  const Tensor y = Tensor::uniform({16}, 5, 0.0, 2.99).astype(DType::i32);
  m.fit({x}, y, {.epochs = 3, .batch_size = 8, .verbose = 0,
                 .callbacks = {ModelCheckpoint(dir.file("all.{epoch:02d}.weights.h5"),
                                               {.monitor = "loss"})}});
  for (const char* f : {"all.01.weights.h5", "all.02.weights.h5", "all.03.weights.h5"})
    CHECK(fs::exists(dir.file(f)));
  Model last = mlp({4}, 3);
  last.load_weights(dir.file("all.03.weights.h5"));
  CHECK(bitwise_equal(m.weights(), last.weights()));

  // A scripted score (3, 1, 2, 0.5; lower is better) decides which epochs are saved.
  const std::vector<double> score{3, 1, 2, 0.5};
  LambdaCallback scripted({.on_epoch_end = [&](Model&, int epoch, Logs& logs) {
    logs["score"] = score[static_cast<std::size_t>(epoch)];
  }});
  m.fit({x}, y, {.epochs = 4, .batch_size = 8, .verbose = 0,
                 .callbacks = {scripted, ModelCheckpoint(dir.file("best.{epoch:02d}.weights.h5"),
                                                         {.monitor = "score",
                                                          .save_best_only = true,
                                                          .mode = Mode::min})}});
  CHECK(fs::exists(dir.file("best.01.weights.h5")));
  CHECK(fs::exists(dir.file("best.02.weights.h5")));
  CHECK_FALSE(fs::exists(dir.file("best.03.weights.h5")));
  CHECK(fs::exists(dir.file("best.04.weights.h5")));
}

// Keras -> tenet. scripts/keras_compat.py writes a Keras file and its inputs/predictions
// (<stem>.io.h5 beside it) and runs this test with TENET_KERAS_FILE set.
TEST_CASE("keras compat: load a file written by Keras 3 and predict as Keras did") {
  const char* file = std::getenv("TENET_KERAS_FILE");
  if (!file || !*file) {
    MESSAGE("skipped: set TENET_KERAS_FILE (see docs/checkpoints.md, scripts/keras_compat.py)");
    return;
  }
  std::string io = file;
  io = io.substr(0, io.rfind(".weights.h5")) + ".io.h5";
  clear_session();
  Model m = compat_model();
  compile_adam(m);  // Keras's Adam state (2 epochs of 2 steps) loads into tenet's Adam
  CHECK(m.load_weights(file).empty());
  CHECK(m.optimizer().impl()->iterations() == 4);
  CHECK(std::abs(m.optimizer().impl()->learning_rate() - 0.001) < 1e-9);
  auto arrays = data::load_h5(io, {"image", "thumb", "pred"});
  const Tensor pred = m.predict({arrays["image"], arrays["thumb"]});
  REQUIRE(pred.shape() == arrays["pred"].shape());
  const auto a = pred.to_vector<float>(), b = arrays["pred"].to_vector<float>();
  double diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
  MESSAGE("Keras -> tenet: max |tenet - keras| = " << diff);
  CHECK(diff < 1e-4);
}

// tenet -> Keras: writes tenet.weights.h5 and tenet_io.h5 (image, thumb, pred) into the
// directory TENET_KERAS_COMPAT_OUT for scripts/keras_compat.py to load with Keras.
TEST_CASE("keras compat: write a tenet file for Keras") {
  const char* out = std::getenv("TENET_KERAS_COMPAT_OUT");
  if (!out || !*out) {
    MESSAGE("skipped: set TENET_KERAS_COMPAT_OUT (see docs/checkpoints.md)");
    return;
  }
  clear_session();
  set_random_seed(5);
  Model m = compat_model();
  compile_adam(m);
  const CompatData d = compat_data(32, 21);
  m.fit({d.image, d.thumb}, d.labels, {.epochs = 1, .batch_size = 16, .verbose = 0});
  const Tensor pred = m.predict({d.image, d.thumb});
  const fs::path dir(out);
  m.save_weights((dir / "tenet.weights.h5").string());
  data::save_h5((dir / "tenet_io.h5").string(), {{"image", d.image}, {"thumb", d.thumb}, {"pred", pred}});
  CHECK(fs::exists(dir / "tenet.weights.h5"));
}

}  // TEST_SUITE
