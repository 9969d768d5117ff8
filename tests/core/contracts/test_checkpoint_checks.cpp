// Suite "core/contracts": checkpoint.mismatch of core/contracts/checkpoint_checks.cpp, raised
// through Layer::set_weights (weights files: tests/data/test_checkpoint.cpp).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("checkpoint.mismatch: set_weights with another count, before the first call, or a wrong shape") {
  clear_session();
  Dense unbuilt(3, {.name = "head"});
  auto early = capture("checkpoint.mismatch", [&] { unbuilt.set_weights({Tensor::zeros({2, 3})}); });
  CHECK(early.phase() == Phase::load);
  CHECK(early.info().summary == "Dense 'head' holds 0 variables, 1 were given");
  CHECK(has(early.fix(), "call the layer once (or build its model) before setting weights"));
  auto in = Input({2});
  Dense built(3, {.name = "body"});
  (void)built(in);
  auto count = capture("checkpoint.mismatch", [&] { built.set_weights({Tensor::zeros({2, 3})}); });
  CHECK(count.expected() == "2 variables");
  CHECK(count.actual() == "1 variables");
  CHECK(count.cause() == "set_weights replaces every variable at once, in order: kernel (2, 3), bias "
                         "(3,); the list given stops after 1");
  CHECK(count.fix() == "pass all 2 variables in Keras's order (kernel (2, 3), bias (3,))");
  auto extra = capture("checkpoint.mismatch", [&] {
    built.set_weights({Tensor::zeros({2, 3}), Tensor::zeros({3}), Tensor::zeros({3, 1})});
  });
  CHECK(has(extra.cause(), "'body' holds only kernel (2, 3), bias (3,); the 1 extra value(s) may belong "
                           "to another layer"));
  CHECK(has(extra.fix(), "pass only its 2 variables"));
  CHECK(has(early.cause(), "'head' has not been called yet"));
  auto shape = capture("checkpoint.mismatch", [&] {
    built.set_weights({Tensor::zeros({2, 4}), Tensor::zeros({3})});
  });
  CHECK(shape.info().summary == "variable 0 (kernel) does not fit");
  CHECK(shape.expected() == "(2, 3) float32");
  CHECK(shape.actual() == "(2, 4) float32");
  CHECK(shape.info().marked == std::vector<int>{1});
}

}  // TEST_SUITE
