// The autograd engine given what an eager training loop can hand it by mistake: a gradient of
// another shape or dtype through set_grad, and a graph too long to release recursively.
#include <doctest/doctest.h>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::has;

TEST_SUITE("core/tensor") {

TEST_CASE("set_grad refuses a gradient of another shape or dtype, so a step never reads past it") {
  Tensor kernel = Tensor::ones({1 << 20}).requires_grad(true);
  // Another variable's gradient: an optimizer step read 1,048,576 values from a buffer of one.
  auto e = capture([&] { kernel.set_grad(Tensor::ones({1})); });
  CHECK(e.code() == "autograd.backward");
  CHECK(has(e, "set_grad was given a gradient of shape (1,) for a tensor of shape (1048576,)"));
  CHECK(has(e, "1048576 here, 1 given"));
  CHECK_FALSE(kernel.grad().defined());  // nothing was set
  Tensor w = Tensor::ones({2, 3}).requires_grad(true);
  auto t = capture([&] { w.set_grad(Tensor::ones({3, 2})); });  // same count, other shape
  CHECK(t.code() == "autograd.backward");
  CHECK(has(t, "reshape it to (2, 3)"));
  auto d = capture([&] { w.set_grad(Tensor::ones({2, 3}, DType::f64)); });
  CHECK(d.code() == "autograd.backward");
  CHECK(has(d, "set_grad was given a float64 gradient for a float32 tensor"));
  w.set_grad(Tensor::full({2, 3}, 0.5));  // its own shape and dtype: taken
  SGD({.learning_rate = 1.0}).impl()->step({w});
  CHECK(w.at({1, 2}) == doctest::Approx(0.5));
  w.set_grad(Tensor());  // clearing stays allowed
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("a chain of 300,000 ops is released without recursing through it") {
  Tensor w = Tensor::ones({1}).requires_grad(true);
  {
    Tensor total = Tensor::zeros({1});
    for (int step = 0; step < 300000; ++step) total = total + w * 0.001f;  // a running sum
    CHECK(total.item() == doctest::Approx(300.0).epsilon(1e-2));  // float32 sums
  }  // released here: each node used to release the one before it, overflowing the stack
  Tensor shared = w * 2.0f;  // a node still held elsewhere is kept, with its inputs
  {
    Tensor a = shared;
    for (int step = 0; step < 1000; ++step) a = a + 1.0f;
  }
  shared.sum().backward();
  CHECK(w.grad().item() == doctest::Approx(2.0));
}

}  // TEST_SUITE
