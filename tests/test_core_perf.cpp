// Suite "core", performance-related behaviour: graphs are freed after a step (no reference
// cycles), the long-row sum is accurate, relu's masked gradient on signed data, denormals
// flushed to zero in kernels.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include <tenet/core/tensor/autograd.hpp>
#include "core/kernels/context.hpp"
#include <tenet/core/ops/ops.hpp>

using namespace tenet;

TEST_SUITE("core") {

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

TEST_CASE("sum over a long row matches a double-precision reference") {
  const std::int64_t n = 1'000'003;
  Tensor x = Tensor::uniform({n}, 11, -1.0, 1.0);
  const float* p = x.data<float>();
  double want = 0;
  for (std::int64_t i = 0; i < n; ++i) want += p[i];
  CHECK(x.sum().item() == doctest::Approx(want).epsilon(1e-6));
  Tensor rows = x.reshape({1, n}).sum(1);  // the last-axis path
  CHECK(rows.shape() == Shape{1});
  CHECK(rows.item() == doctest::Approx(want).epsilon(1e-6));
  Tensor ints = Tensor::arange(1001, DType::i32);  // integers sum exactly: 0 + ... + 1000
  CHECK(ints.sum().item() == 500500.0);
}

TEST_CASE("relu's gradient passes exactly where the input is positive") {
  Tensor x = Tensor::from_vector<float>({-2.f, 0.f, 3.f, -0.5f, 7.f, 1e-8f, -1e-8f, 4.f, -9.f},
                                        {9}).requires_grad(true);
  Tensor d = Tensor::from_vector<float>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}, {9});
  relu(x).backward(d);
  CHECK(x.grad().to_vector<float>() ==
        std::vector<float>{0.f, 0.f, 3.f, 0.f, 5.f, 6.f, 0.f, 8.f, 0.f});
}

TEST_CASE("kernels flush denormals to zero by default; set_flush_denormals(false) keeps them") {
  // 1e-39 is a denormal float (copied in as bits: arithmetic would already flush it).
  Tensor tiny = Tensor::from_vector(std::vector<float>(6, 1e-39f), {2, 3});
  Tensor ones = Tensor::ones({3, 2});
  CHECK(flush_denormals());
  CHECK(matmul(tiny, ones).to_vector<float>() == std::vector<float>(4, 0.0f));
  set_flush_denormals(false);
  auto kept = matmul(tiny, ones).to_vector<float>();
  const bool near_3e39 = kept[0] > 2.9e-39f && kept[0] < 3.1e-39f;  // compared while kept
  set_flush_denormals(true);
  CHECK(near_3e39);
  CHECK(matmul(tiny, ones).to_vector<float>() == std::vector<float>(4, 0.0f));
}

}  // TEST_SUITE
