// Suite "core/ops": the tests of elementwise.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>
#include <memory>

#include <tenet/core/tensor/autograd.hpp>
#include <tenet/core/ops/ops.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "core/kernels/context.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::mentions;

TEST_SUITE("core/ops") {

TEST_CASE("broadcasting follows NumPy") {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = Tensor::from_vector(std::vector<float>{10, 20, 30}, {3});
  Tensor col = Tensor::from_vector(std::vector<float>{100, 200}, {2, 1});
  CHECK(allclose(a + row, Tensor::from_vector(std::vector<float>{11, 22, 33, 14, 25, 36}, {2, 3})));
  CHECK(allclose(a * col, Tensor::from_vector(std::vector<float>{100, 200, 300, 800, 1000, 1200}, {2, 3})));
  CHECK(allclose(a * a + 1.0f, Tensor::from_vector(std::vector<float>{2, 5, 10, 17, 26, 37}, {2, 3})));
  CHECK(allclose(1.0 - a, Tensor::from_vector(std::vector<float>{0, -1, -2, -3, -4, -5}, {2, 3})));
}

TEST_CASE("elementwise.shape names the axes that cannot broadcast") {
  Tensor a = Tensor::zeros({32, 28, 28, 3}), b = Tensor::zeros({32, 14, 14, 3});
  auto e = capture([&] { (void)(a + b); });
  CHECK(e.code() == "elementwise.shape");
  CHECK(e.phase() == Phase::run);
  CHECK(e.expected() == "(32, 28, 28, 3)");
  CHECK(e.actual() == "(32, 14, 14, 3)");
  CHECK(std::string(e.what()).find("^^") != std::string::npos);
  CHECK(e.cause().find("28 vs 14") != std::string::npos);
  CHECK(e.fix().find("size 1") != std::string::npos);
}

TEST_CASE("hostile api: integer arithmetic wraps instead of trapping or undefined overflow") {
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  // INT64_MIN / -1 killed the process with SIGFPE before.
  auto q = Tensor::from_vector(std::vector<std::int64_t>{lo, 7, 7}) /
           Tensor::from_vector(std::vector<std::int64_t>{-1, -1, 0});
  CHECK(q.to_vector<std::int64_t>() == std::vector<std::int64_t>{lo, -7, 0});
  // Signed overflow wraps (two's complement, as NumPy) instead of being undefined.
  const std::int32_t hi32 = std::numeric_limits<std::int32_t>::max();
  auto a = Tensor::from_vector(std::vector<std::int32_t>{hi32, hi32});
  CHECK((a + Tensor::from_vector(std::vector<std::int32_t>{1, 2})).to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(),
                                  std::numeric_limits<std::int32_t>::min() + 1});
  CHECK((a * Tensor::from_vector(std::vector<std::int32_t>{2, 1})).to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{-2, hi32});
  CHECK((Tensor::from_vector(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min()}) -
         Tensor::from_vector(std::vector<std::int32_t>{1})).item() == hi32);
}

TEST_CASE("hostile api: a floating scalar makes an integer tensor float32, an integral one keeps it") {
  // u8 / 255.0 divided as integers (the scalar cast to uint8): every pixel became 0.
  const Tensor u8 = Tensor::full({1, 2, 2, 1}, 200, DType::u8);
  const Tensor scaled = u8 / 255.0;
  CHECK(scaled.dtype() == DType::f32);
  CHECK(scaled.at({0, 1, 1, 0}) == doctest::Approx(200.0 / 255.0));
  CHECK((u8 * 0.5).at({0, 0, 0, 0}) == 100.0);
  CHECK((1.0 - u8).at({0, 0, 0, 0}) == -199.0);
  const Tensor i32 = Tensor::full({2}, 7, DType::i32);
  CHECK((i32 * 0.5).at({0}) == 3.5);
  CHECK((i32 / 2.0).dtype() == DType::f32);
  CHECK((i32 / 2.0).at({1}) == 3.5);
  CHECK((2.5f * i32).at({0}) == 17.5);
  // An integral scalar keeps the integer dtype and its arithmetic (division toward zero).
  CHECK((i32 * 2).dtype() == DType::i32);
  CHECK((i32 * 2).at({0}) == 14);
  CHECK((i32 / 2).at({0}) == 3);
  CHECK((u8 - std::uint8_t{1}).dtype() == DType::u8);
  CHECK((-i32).dtype() == DType::i32);
  CHECK((10 - i32).at({1}) == 3);
  // A float tensor takes either kind as its own dtype, with gradients.
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2}).requires_grad(true);
  Tensor y = (x * 3 + 0.5).sum();
  CHECK(y.item() == 10.0);
  y.backward();
  CHECK(x.grad().at({0}) == 3.0);
}

TEST_CASE("relu's gradient passes exactly where the input is positive") {
  Tensor x = Tensor::from_vector<float>({-2.f, 0.f, 3.f, -0.5f, 7.f, 1e-8f, -1e-8f, 4.f, -9.f},
                                        {9}).requires_grad(true);
  Tensor d = Tensor::from_vector<float>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}, {9});
  relu(x).backward(d);
  CHECK(x.grad().to_vector<float>() ==
        std::vector<float>{0.f, 0.f, 3.f, 0.f, 5.f, 6.f, 0.f, 8.f, 0.f});
}

}  // TEST_SUITE
