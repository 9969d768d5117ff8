// Suite "core/tensor": the tests of autograd.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>
#include <functional>
#include <string>
#include <memory>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "core/kernels/context.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::has;

TEST_SUITE("core/tensor") {

TEST_CASE("autograd: gradients of every differentiable op against finite differences") {
  auto x = [](Shape s, std::uint64_t seed) { return Tensor::randn(s, seed).requires_grad(true); };
  check_gradients([](auto& v) { return v[0] * v[1] + v[0]; }, {x({3, 4}, 1), x({4}, 2)});
  check_gradients([](auto& v) { return v[0] / (v[1] * v[1] + 1.0) - v[1]; }, {x({2, 3}, 3), x({2, 1}, 4)});
  check_gradients([](auto& v) { return exp(v[0]) + tanh(v[0]) + sigmoid(v[0]); }, {x({5}, 5)});
  check_gradients([](auto& v) { return log(square(v[0]) + 1.0) + sqrt(square(v[0]) + 1.0); }, {x({5}, 6)});
  check_gradients([](auto& v) { return relu(v[0]) + clip(v[0], -0.5, 0.5); }, {x({20}, 7)});
  check_gradients([](auto& v) { return matmul(v[0], v[1]); }, {x({3, 5}, 8), x({5, 2}, 9)});
  check_gradients([](auto& v) { return matmul(v[0], v[1]); }, {x({2, 3, 4}, 8), x({2, 4, 2}, 9)});
  check_gradients([](auto& v) { return v[0].sum(1) + v[0].mean(1) + v[0].max(1); }, {x({3, 4}, 10)});
  check_gradients([](auto& v) { return softmax(v[0]) + log_softmax(v[0], 0); }, {x({3, 4}, 11)});
  check_gradients([](auto& v) { return transpose(v[0], {1, 2, 0}).reshape({4, 6}); }, {x({2, 3, 4}, 12)});
  check_gradients([](auto& v) { return concat({slice(v[0], 1, 1, 3), v[1]}, 1); }, {x({2, 4}, 13), x({2, 3}, 14)});
  check_gradients([](auto& v) { return stack({v[0], v[1]}, 1); }, {x({2, 3}, 15), x({2, 3}, 16)});
  check_gradients([](auto& v) { return v[0].astype(DType::f64) * 2.0; }, {x({4}, 17)});
}

TEST_CASE("autograd: accumulation, shared subgraphs and no-grad scope") {
  Tensor w = Tensor::from_vector(std::vector<float>{2, 3}).requires_grad(true);
  Tensor y = w * w;            // used twice below: gradients must add up
  (y + y).sum().backward();
  CHECK(allclose(w.grad(), Tensor::from_vector(std::vector<float>{8, 12})));
  (w * 1.0).sum().backward();  // a second backward accumulates into .grad()
  CHECK(allclose(w.grad(), Tensor::from_vector(std::vector<float>{9, 13})));
  {
    NoGradGuard guard;
    Tensor z = w * w;
    CHECK_FALSE(z.requires_grad());
  }
  // A deep chain does not overflow the stack (iterative topological sort).
  Tensor h = w;
  for (int i = 0; i < 20000; ++i) h = h + 0.0;
  h.sum().backward();
}

TEST_CASE("a user op's backward returning a wrongly shaped gradient is autograd.backward") {
  Tensor x = Tensor::ones({2, 3}).requires_grad(true);
  Tensor y = attach_grad(x.detach() * 2.0, "my_op", {x}, [](const Tensor&) {
    return std::vector<Tensor>{Tensor::ones({4})};  // the input is (2, 3)
  });
  auto e = capture([&] { y.sum().backward(); });
  CHECK(e.code() == "autograd.backward");
  CHECK(has(e, "the backward of 'my_op' returned a gradient of shape (4,) for its 1st input"));
}

TEST_CASE("a unary op's graph node dies with its output (no reference cycle)") {
  for (auto op : {+[](const Tensor& t) { return relu(t); }, +[](const Tensor& t) { return exp(t); },
                  +[](const Tensor& t) { return sqrt(t * t + 1.0); }}) {
    std::weak_ptr<GradNode> node;
    {
      Tensor x = Tensor::randn({8}, 3).requires_grad(true);
      Tensor y = op(x);
      node = y.grad_fn();
      REQUIRE(!node.expired());
      y.sum().backward();  // backward must not leave the graph alive either
    }
    CHECK(node.expired());
  }
}

}  // TEST_SUITE
