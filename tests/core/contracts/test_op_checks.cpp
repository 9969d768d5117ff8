// Suite "core/contracts": the checks of core/contracts/op_checks.cpp and autograd_checks.cpp,
// raised through the ops that call them (transpose, stack, matmul, backward).
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("reshape.axis: transpose needs a permutation of the axes") {
  auto e = capture("reshape.axis", [] { (void)transpose(Tensor::zeros({2, 3}), {0, 0}); });
  CHECK(e.info().summary == "transpose needs a permutation of the axes");
  CHECK(e.expected() == "a permutation of 0..1");
  CHECK(e.actual() == "2 axes given");
  CHECK(e.site().name == "transpose");
}

TEST_CASE("batch.empty: stack of no tensors") {
  auto e = capture("batch.empty", [] { (void)stack({}); });
  CHECK(e.info().summary == "stack needs at least one tensor");
  CHECK(e.actual() == "none");
}

TEST_CASE("matmul.shape: inner sizes and dtypes, with the operands named") {
  auto e = capture("matmul.shape", [] {
    (void)matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
  });
  CHECK(e.expected() == "second operand with K = 3 rows, as in (2, 3)");
  CHECK(e.actual() == "(4, 5) (float32)");
  CHECK(e.info().marked == std::vector<int>{0});
  CHECK(has(e.cause(), "first operand (2, 3) (float32), second (4, 5) (float32)"));
  auto ints = capture("matmul.shape", [] {
    (void)matmul(Tensor::zeros({2, 3}, DType::i32), Tensor::zeros({3, 2}, DType::i32));
  });
  CHECK(has(ints.cause(), "int32"));
  CHECK(has(ints.fix(), "cast both to float32"));
}

TEST_CASE("autograd.backward: a seedless backward on many elements, and a seed of another shape") {
  Tensor x = Tensor::ones({2, 2}).requires_grad(true);
  auto seedless = capture("autograd.backward", [&] { (x * 2.0).backward(); });
  CHECK(seedless.info().summary == "backward() without a gradient needs a one-element tensor");
  CHECK(seedless.actual() == "(2, 2)");
  auto seeded = capture("autograd.backward", [&] { (x * 2.0).backward(Tensor::ones({2, 3})); });
  CHECK(seeded.expected() == "(2, 2)");
  CHECK(seeded.actual() == "(2, 3)");
  CHECK(has(seeded.cause(), "a gradient of shape (2, 3) for a tensor of shape (2, 2)"));
  CHECK(has(seeded.fix(), "pass a gradient of shape (2, 2)"));
}

}  // TEST_SUITE
