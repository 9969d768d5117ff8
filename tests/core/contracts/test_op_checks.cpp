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
  CHECK(e.actual() == "{0, 0}");
  CHECK(e.site().name == "transpose");
  CHECK(e.cause() == "{0, 0} names 2 axes, as many as the tensor has, but repeats axis 0, so axis 1 "
                     "is missing");
  CHECK(e.fix() == "name each of 0..1 once, axis 1 included");
}

TEST_CASE("reshape.axis: too many axes for transpose, against an axis the permutation repeats") {
  auto count = capture("reshape.axis", [] { (void)transpose(Tensor::zeros({2, 3, 4}), {0, 2, 1, 3}); });
  CHECK(count.cause() == "the tensor has 3 axes and {0, 2, 1, 3} names 4: a permutation lists every "
                         "axis once, none added or dropped");
  CHECK(has(count.fix(), "give 3 axes, each of 0..2 once ({0, 2, 1} swaps the last two)"));
  auto negative = capture("reshape.axis", [] { (void)transpose(Tensor::zeros({2, 3, 4}), {0, 2, -1}); });
  CHECK(has(negative.cause(), "names axis -1 beyond 0..2 (transpose takes no negative axes), so axis 1 is missing"));
  CHECK(negative.fix() == "name each of 0..2 once, axis 1 included");
  // expand_dims counts the axis it inserts: the result's axes, not the tensor's.
  auto added = capture("reshape.axis", [] { (void)expand_dims(Tensor::zeros({2, 3}), 3); });
  CHECK(added.cause() == "the result has 3 axes (the input's 2 and the new one), counted from 0, so "
                         "the last one is 2; axis 3 counts one past it (as if from 1)");
  CHECK(added.fix() == "use axis 2 (or axis -1) for the last axis");
}

TEST_CASE("batch.empty: stack of no tensors") {
  auto e = capture("batch.empty", [] { (void)stack({}); });
  CHECK(e.info().summary == "stack needs at least one tensor");
  CHECK(e.actual() == "none");
  CHECK(has(e.cause(), "stack joins tensors along a new axis and was given an empty list"));
  CHECK(has(e.fix(), "if (!xs.empty())"));
}

TEST_CASE("matmul.shape: inner sizes and dtypes, with the operands named") {
  auto e = capture("matmul.shape", [] {
    (void)matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
  });
  CHECK(e.expected() == "second operand with K = 3 rows, as in (2, 3)");
  CHECK(e.actual() == "(4, 5) (float32)");
  CHECK(e.info().marked == std::vector<int>{0});
  CHECK(has(e.cause(), "first operand (2, 3) (float32), second (4, 5) (float32): the first has K = 3 "
                       "columns and the second 4 rows"));
  CHECK(has(e.fix(), "so that the second has 3 rows"));
  CHECK(!has(e.fix(), "float32"));
  auto ints = capture("matmul.shape", [] {
    (void)matmul(Tensor::zeros({2, 3}, DType::i32), Tensor::zeros({3, 2}, DType::i32));
  });
  CHECK(has(ints.cause(), "matmul computes in one float dtype, and these are int32 and int32"));
  CHECK(ints.fix() == "cast both to float32 (x.astype(DType::f32))");
  // The second operand's columns are K: it was meant transposed.
  auto flipped = capture("matmul.shape", [] { (void)matmul(Tensor::zeros({2, 3}), Tensor::zeros({5, 3})); });
  CHECK(has(flipped.cause(), "it looks transposed"));
  CHECK(flipped.fix() == "matmul(a, transpose(b, {1, 0}))");
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
