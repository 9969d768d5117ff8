// Suite "core/training": frozen layers (Layer::set_trainable(false), Keras's
// layer.trainable = False): no gradient, no optimizer slot, weights bitwise unchanged by fit,
// non-trainable in summary(), a frozen BatchNorm in inference mode, flags read at compile (a
// flag changed after compile is refused until the next compile, which keeps the slots of the
// variables still trained, so a checkpoint saved then resumes exactly).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;
using tenet::testing::capture;
using tenet::testing::clones;
using tenet::testing::has;

namespace {

struct Net {
  Dense first{8, {.activation = Activation::relu, .seed = 1}};
  BatchNorm norm{{.momentum = 0.5}};
  Dense last{3, {.seed = 2}};
  Model model;
  Net() : model(build()) {}
  Model build() {
    auto in = Input({4});
    return Model(in, last(norm(first(in))));
  }
};

Tensor xs() { return Tensor::uniform({16, 4}, 7, -1.0, 1.0); }
Tensor ys() {
  return Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, {16});
}
void compile_adam(Model& m) {
  m.compile({.optimizer = Adam({.learning_rate = 0.05}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
}
void fit(Model& m, int epochs = 2) {
  m.fit(xs(), ys(), {.epochs = epochs, .batch_size = 4, .verbose = 0});
}

}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("freeze: a frozen layer's weights are bitwise unchanged, get no gradient and no slot") {
  Net n;
  n.first.set_trainable(false);
  CHECK_FALSE(n.first.trainable());
  CHECK(n.last.trainable());
  compile_adam(n.model);
  const auto frozen = clones(n.first.weights()), free = clones(n.last.weights());
  fit(n.model);
  CHECK(bitwise_equal(n.first.weights(), frozen));
  CHECK_FALSE(bitwise_equal(n.last.weights(), free));
  for (const Tensor& w : n.first.weights()) CHECK_FALSE(w.grad().defined());
  // Slots for the trainable variables only: BatchNorm gamma, beta and the last kernel, bias.
  CHECK(n.model.trainable_weights().size() == 4);
  CHECK(n.model.optimizer().impl()->slots().size() == 4);
}

TEST_CASE("freeze: summary marks frozen layers and counts their parameters as non-trainable") {
  Net n;
  const std::string before = n.model.summary_text();
  CHECK(before.find("Trainable  ") == std::string::npos);  // no column while nothing is frozen
  n.first.set_trainable(false);
  const std::string s = n.model.summary_text();
  INFO(s);
  // first: 4*8+8 = 40; norm: 4*8 = 32 (16 trainable); last: 8*3+3 = 27.
  CHECK(s.find(" Total params: 99 (396 B)") != std::string::npos);
  CHECK(s.find(" Trainable params: 43 (172 B)") != std::string::npos);
  CHECK(s.find(" Non-trainable params: 56 (224 B)") != std::string::npos);
  CHECK(s.find("| Trainable |") != std::string::npos);
  auto row = [&](const std::string& name) {
    const auto at = s.find(name + " (");
    return s.substr(at, s.find('\n', at) - at);
  };
  CHECK(row(n.first.name()).find("| N") != std::string::npos);
  CHECK(row(n.last.name()).find("| Y") != std::string::npos);
  CHECK(row(n.model.layers()[0].name()).find("| -") != std::string::npos);  // no weights
}

TEST_CASE("freeze: a frozen BatchNorm normalises with its moving statistics during fit") {
  Net n;
  compile_adam(n.model);
  fit(n.model, 1);  // moves the statistics away from (0, 1)
  n.norm.set_trainable(false);
  compile_adam(n.model);
  const auto stats = clones(n.norm.weights());
  const Tensor x = xs();
  // Training mode now gives the inference output: the moving statistics, not the batch's.
  const Tensor train = n.model.call({x}, {.training = true})[0];
  const Tensor infer = n.model.call({x}, {.training = false})[0];
  CHECK(bitwise_equal({train}, {infer}));
  n.norm.discard();
  fit(n.model);
  CHECK(bitwise_equal(n.norm.weights(), stats));  // gamma, beta and both statistics
}

TEST_CASE("freeze: a flag changed after compile is refused by fit, train_on_batch and the files") {
  Net n;
  compile_adam(n.model);
  fit(n.model, 1);
  n.first.set_trainable(false);  // after compile: compile saw it trainable
  const auto w = clones(n.model.weights());
  const auto slots = n.model.optimizer().impl()->slots().size();
  testing::TempDir dir;
  for (const std::string call : {"fit", "train_on_batch", "save_weights", "load_weights"}) {
    CAPTURE(call);
    auto e = capture([&] {
      if (call == "fit") fit(n.model, 1);
      if (call == "train_on_batch") n.model.train_on_batch({xs()}, ys());
      if (call == "save_weights") n.model.save_weights(dir.file("w.weights.h5"));
      if (call == "load_weights") n.model.load_weights(dir.file("w.weights.h5"));
    });
    CHECK(e.code() == "model.compile");
    CHECK(has(e, call + " on a model whose trainable flags changed after compile: '" +
                     n.first.name() + "' frozen"));
    CHECK(has(e, "call model.compile(...) again after set_trainable"));
  }
  CHECK(bitwise_equal(n.model.weights(), w));  // refused before any step
  CHECK(n.model.optimizer().impl()->slots().size() == slots);
  CHECK_FALSE(std::filesystem::exists(dir.file("w.weights.h5")));
  n.first.set_trainable(true);  // the flags compile saw again: trains as before
  fit(n.model, 1);
  CHECK_FALSE(bitwise_equal(n.first.weights(), {w[0], w[1]}));
}

TEST_CASE("freeze: a layer unfrozen after compile is refused until compile, then trains") {
  Net n;
  n.first.set_trainable(false);
  compile_adam(n.model);
  n.first.set_trainable(true);
  auto e = capture([&] { fit(n.model, 1); });
  CHECK(has(e, "'" + n.first.name() + "' unfrozen"));
  compile_adam(n.model);
  const auto w = clones(n.first.weights());
  fit(n.model, 1);
  CHECK_FALSE(bitwise_equal(n.first.weights(), w));
}

TEST_CASE("freeze: compile again with the same optimizer keeps the slots of the variables still trained") {
  Net n;
  Optimizer adam = Adam({.learning_rate = 0.05});
  const Loss loss = SparseCategoricalCrossentropy({.from_logits = true});
  n.model.compile({.optimizer = adam, .loss = loss});
  fit(n.model, 1);
  const OptimizerImpl& opt = *adam.impl();
  REQUIRE(opt.slots().size() == 6);  // first: kernel, bias; norm: gamma, beta; last: kernel, bias
  std::vector<Tensor> kept;
  for (std::size_t i = 2; i < 6; ++i) kept.insert(kept.end(), opt.slots()[i].begin(), opt.slots()[i].end());
  const std::int64_t steps = opt.iterations();
  n.first.set_trainable(false);
  n.model.compile({.optimizer = adam, .loss = loss});
  REQUIRE(opt.slots().size() == 4);
  std::vector<Tensor> now;
  for (const auto& per_var : opt.slots()) now.insert(now.end(), per_var.begin(), per_var.end());
  CHECK(bitwise_equal(now, kept));
  CHECK(opt.iterations() == steps);
  n.first.set_trainable(true);  // unfrozen again: its moments start at 0
  n.model.compile({.optimizer = adam, .loss = loss});
  REQUIRE(opt.slots().size() == 6);
  const std::vector<float> m0 = opt.slots()[0][0].to_vector<float>();
  CHECK(std::all_of(m0.begin(), m0.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("freeze: frozen after an epoch, a checkpoint resumes exactly in a fresh frozen model") {
  testing::TempDir dir;
  const FitOptions once{.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0};
  Net a;
  Optimizer adam = Adam({.learning_rate = 0.05});
  const Loss loss = SparseCategoricalCrossentropy({.from_logits = true});
  a.model.compile({.optimizer = adam, .loss = loss});
  a.model.fit(xs(), ys(), once);
  a.first.set_trainable(false);
  a.model.compile({.optimizer = adam, .loss = loss});
  a.model.save_weights(dir.file("ckpt.weights.h5"));
  a.model.fit(xs(), ys(), once);
  Net b;
  b.first.set_trainable(false);
  b.model.compile({.optimizer = Adam({.learning_rate = 0.05}), .loss = loss});
  CHECK(b.model.load_weights(dir.file("ckpt.weights.h5")).empty());  // the optimizer's state too
  CHECK(b.model.optimizer().impl()->iterations() == 4);
  b.model.fit(xs(), ys(), once);
  CHECK(bitwise_equal(b.model.weights(), a.model.weights()));
}

}  // TEST_SUITE
