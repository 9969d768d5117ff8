// Suite "core/training": the tests of callbacks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/concatenate.hpp>
#include <tenet/layers/conv2d.hpp>
#include <tenet/layers/flatten.hpp>
#include <tenet/layers/max_pool2d.hpp>
#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "core/training/path_template.hpp"
#include "core/base/text_escape.hpp"
#include "support/test_util.hpp"
#include "data/hdf5_guard.hpp"
#include "support/test_reliability_util.hpp"
#include "support/two_view_model.hpp"
#include "support/file_fuzz_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::bitwise_equal;
namespace fs = std::filesystem;
using tenet::testing::has;
using tenet::testing::Synthetic;
using tenet::testing::compile_sgd;
using tenet::testing::make_data;
using tenet::testing::two_view_model;
using tenet::testing::mlp_x;
using tenet::testing::mlp_y;

TEST_SUITE("core/training") {

TEST_CASE("ModelCheckpoint refuses a bad template where it is constructed") {
  auto e = capture([] { ModelCheckpoint("ck{epoch:s}.weights.h5"); });
  CHECK(e.code() == "options.invalid");
  CHECK(has(e.what(), "ModelCheckpoint filepath"));
  CHECK(has(e.actual(), "\"ck{epoch:s}.weights.h5\""));
  CHECK(e.site().name == "ModelCheckpoint");
  CHECK(has(e.where(), "test_callbacks.cpp"));  // the user's line
  CHECK(capture([] { ModelCheckpoint("{loss:n}"); }).code() == "options.invalid");
  CHECK(capture([] { ModelCheckpoint("{epoch:999999999d}"); }).code() == "options.invalid");
}

TEST_CASE("ModelCheckpoint refuses a .keras template where it is constructed, not after an epoch") {
  const ContractError e = capture([] { ModelCheckpoint("ckpt/epoch{epoch:02d}.keras"); });
  tenet::testing::check_invalid_option(e, "ModelCheckpoint filepath",
                                       "\"ckpt/epoch{epoch:02d}.keras\"", "a weights file name");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "ModelCheckpoint");
}

TEST_CASE("a key the logs do not hold: callback.filepath names the keys they do hold") {
  auto e = capture([] { (void)format_filepath("ck/{val_acc:.2f}.h5", 1, {{"loss", 1.0}, {"accuracy", 0.5}}); });
  CHECK(e.code() == "callback.filepath");
  CHECK(e.actual() == "{val_acc}");
  CHECK(e.expected() == "a field naming one of: epoch, accuracy, loss");
  CHECK(has(e.cause(), "validation_split or validation_data"));
  CHECK(e.fix() == "pass validation_split or validation_data to fit");  // no {acc} logged either
  auto v = capture([] { (void)format_filepath("{val_loss}", 1, {{"loss", 1.0}}); });
  CHECK(v.fix() == "pass validation_split or validation_data to fit, or use {loss} in the path");
  auto m = capture([] { (void)format_filepath("{acc}", 1, {{"loss", 1.0}}); });
  CHECK(has(m.cause(), "the logs of this epoch hold epoch, loss; 'acc' is not among them"));
  CHECK(m.fix() == "use a logged key in the path, e.g. {loss:.4f}");
}

// CSVLogger writes a header and one row per epoch (a part of the callbacks case below).
void check_csv_logger(const Synthetic& d) {
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
  SUBCASE("CSVLogger writes a header and one row per epoch") { check_csv_logger(d); }
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

TEST_CASE("ModelCheckpoint: a key the first epoch does not log is refused at that epoch") {
  clear_session();
  const fs::path dir = fs::temp_directory_path() / ("tenet_ckpt_" + std::to_string(::getpid()));
  auto in = Input({2});
  Model m(in, Dense(1, {.seed = 1})(in));
  m.compile({.optimizer = SGD(), .loss = MeanSquaredError()});
  // save_best_only on a monitor that never improves used to skip every save, so the bad key was
  // never noticed; it is now refused when the first epoch ends.
  auto e = capture([&] {
    m.fit(Tensor::ones({4, 2}), Tensor::zeros({4, 1}),
          {.epochs = 3, .verbose = 0,
           .callbacks = {ModelCheckpoint((dir / "{val_accuracy:.2f}.h5").string(),
                                         {.monitor = "val_loss", .save_best_only = true})}});
  });
  CHECK(e.code() == "callback.filepath");
  CHECK(e.actual() == "{val_accuracy}");
  CHECK(has(e.expected(), "epoch, loss"));
  CHECK(has(e.cause(), "validation_split or validation_data"));
  CHECK(m.history().epoch.size() == 1);  // raised at the end of the first epoch
  CHECK(!fs::exists(dir));
}

TEST_CASE("numerics: TerminateOnNaN stops at the first NaN loss and keeps the last good weights") {
  // Reference: the same model trained on the two good batches only.
  Model good = reliability::small_model(false, 1);
  good.fit(slice(mlp_x(-1), 0, 0, 4), slice(mlp_y(), 0, 0, 4),
           {.epochs = 1, .batch_size = 2, .shuffle = false, .verbose = 0});
  Model m = reliability::small_model(false, 1);
  History h = m.fit(mlp_x(5), mlp_y(), {.epochs = 3, .batch_size = 2, .shuffle = false,
                                        .verbose = 0, .callbacks = {TerminateOnNaN()}});
  CHECK(h.epoch.size() == 1);  // epochs 2 and 3 never ran
  CHECK(h.stop_reason.find("TerminateOnNaN") != std::string::npos);
  CHECK(h.stop_reason.find("batch 3 of the epoch (counting from 1; index 2)") != std::string::npos);
  CHECK(m.stop_training);
  auto w = m.weights(), g = good.weights();
  REQUIRE(w.size() == g.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    CHECK(array_equal(w[i], g[i]));  // bitwise: the NaN step changed nothing
    for (float v : w[i].to_vector<float>()) CHECK(std::isfinite(v));
  }
  // The model still predicts finite values on clean data.
  for (float v : m.predict(mlp_x(-1)).to_vector<float>()) CHECK(std::isfinite(v));
}

}  // TEST_SUITE
