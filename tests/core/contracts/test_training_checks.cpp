// Suite "core/contracts": the checks of core/contracts/training_checks.cpp (model.compile,
// history.key), raised through Model and History as a user meets them.
#include <doctest/doctest.h>

#include <functional>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

// compile's fix reads LayerFacts::ends_in_softmax of the output's layer, not its type name or
// describe() text: a Softmax layer, an Activation("softmax") and a Conv2D with a softmax all
// give probabilities; a Dense without one gives logits.
TEST_CASE("model.compile without a loss: probabilities or logits, read from the output layer's facts") {
  clear_session();
  auto fix_for = [](const std::function<SymbolicTensor(const SymbolicTensor&)>& head) {
    auto in = Input({4, 4, 2});
    Model m(in, head(in));
    auto e = capture("model.compile", [&] { m.compile({.optimizer = SGD()}); });
    CHECK(e.phase() == Phase::build);
    CHECK(e.info().summary == "compile needs a loss");
    return e.fix();
  };
  const std::string probs = "as probabilities (softmax)", logits = "as logits (no softmax)";
  CHECK(has(fix_for([](auto x) { return Softmax()(Flatten()(x)); }), probs));
  CHECK(has(fix_for([](auto x) { return ActivationLayer(Activation::softmax)(Flatten()(x)); }),
            probs));
  CHECK(has(fix_for([](auto x) {
    return Conv2D(3, {4, 4}, {.activation = Activation::softmax})(x);
  }), probs));
  const std::string dense = fix_for([](auto x) { return Dense(3)(Flatten()(x)); });
  CHECK(has(dense, logits));
  CHECK(has(dense, "SparseCategoricalCrossentropy({.from_logits = true})"));
  CHECK(has(fix_for([](auto x) { return Dense(1)(Flatten()(x)); }), "MeanSquaredError()"));
}

TEST_CASE("model.compile: fit and evaluate need a compiled model") {
  clear_session();
  auto in = Input({2});
  Model m(in, Dense(1)(in));
  auto e = capture("model.compile", [&] {
    m.fit(Tensor::zeros({4, 2}), Tensor::zeros({4, 1}), {.verbose = 0});
  });
  CHECK(e.phase() == Phase::run);
  CHECK(e.info().summary == "fit needs a compiled model");
  CHECK(e.expected() == "model.compile({...}) before fit");
  CHECK(e.actual() == "not compiled");
  e = capture("model.compile", [&] { m.evaluate(Tensor::zeros({4, 2}), Tensor::zeros({4, 1})); });
  CHECK(e.info().summary == "evaluate needs a compiled model");
}

TEST_CASE("history.key: the keys History holds, or that fit ran no epoch") {
  History h;
  auto none = capture("history.key", [&] { (void)h["loss"]; });
  CHECK(none.info().summary == "History has no key 'loss'");
  CHECK(none.expected() == "one of: (none: fit ran no epoch)");
  CHECK(none.actual() == "'loss'");
  h.history["loss"] = {1.0};
  h.history["accuracy"] = {0.5};
  auto val = capture("history.key", [&] { (void)h["val_loss"]; });
  CHECK(val.expected() == "one of: accuracy, loss");
  CHECK(has(val.fix(), "validation_split or validation_data"));
}

}  // TEST_SUITE
