// Suite "core/training": frozen layers (Layer::set_trainable(false), Keras's
// layer.trainable = False): no gradient, no optimizer slot, weights bitwise unchanged by fit,
// non-trainable in summary(), a frozen BatchNorm in inference mode, flags read at compile.
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>
#include <tenet/layers/batch_norm.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::bitwise_equal;
using tenet::testing::clones;

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

TEST_CASE("freeze: fit follows the flags as compile saw them, as Keras does") {
  Net n;
  compile_adam(n.model);
  n.first.set_trainable(false);  // after compile: counts from the next compile
  auto w = clones(n.first.weights());
  fit(n.model, 1);
  CHECK_FALSE(bitwise_equal(n.first.weights(), w));
  compile_adam(n.model);
  w = clones(n.first.weights());
  fit(n.model, 1);
  CHECK(bitwise_equal(n.first.weights(), w));
  n.first.set_trainable(true);  // unfrozen: trains again after compile
  compile_adam(n.model);
  fit(n.model, 1);
  CHECK_FALSE(bitwise_equal(n.first.weights(), w));
}

}  // TEST_SUITE
