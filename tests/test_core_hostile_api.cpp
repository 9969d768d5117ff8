// Suite "core", part "hostile_api": values the public Tensor API could not represent or
// answer: integer overflow and division, floats cast to integers, meaningless tolerances and
// distribution parameters, reductions that pick an element along an empty axis or skip a NaN.
#include <doctest/doctest.h>

#include "test_util.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_SUITE("core") {

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

TEST_CASE("hostile api: a float that no integer dtype value holds is refused, not cast") {
  // Tensor::full(NaN, int64) and astype of NaN / 1e20 were undefined conversions (garbage).
  auto e = capture([] { (void)Tensor::full({2}, kNaN, DType::i64); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "the fill value = NaN cannot be converted to int64"));
  CHECK(mentions(e, "NaN has no int64 value"));
  e = capture([] { (void)Tensor::full({2}, 1e30, DType::i32); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "[-2147483648, 2147483647]"));
  e = capture([] { (void)Tensor::full({1}, -1, DType::u8); });
  CHECK(mentions(e, "-1 lies outside uint8's range [0, 255]"));
  e = capture([] { (void)(Tensor::ones({2}, DType::i32) + kInf); });
  CHECK(e.code() == "options.invalid");
  e = capture([] { (void)Tensor::from_vector(std::vector<float>{1, 2, static_cast<float>(kNaN)}).astype(DType::i32); });
  CHECK(e.code() == "input.dtype");
  CHECK(e.site().name == "astype");
  CHECK(mentions(e, "element 2 of astype's input = NaN cannot be converted to int32"));
  e = capture([] { (void)Tensor::full({1}, 300.0).astype(DType::u8); });
  CHECK(mentions(e, "300 lies outside uint8's range [0, 255]"));
  // What fits still converts, truncating toward zero; -2^63 is the last int64.
  CHECK(Tensor::from_vector(std::vector<double>{-0.9, 255.9, 0.5}).astype(DType::u8).at({1}) == 255);
  CHECK(Tensor::full({1}, -9223372036854775808.0, DType::i64).astype(DType::f64).item() ==
        -9223372036854775808.0);
  CHECK(Tensor::full({1}, -1.5, DType::f32).astype(DType::i32).item() == -1);
}

TEST_CASE("hostile api: allclose refuses NaN or negative tolerances") {
  // rtol = NaN made ones and zeros "close"; atol = -1 made equal tensors differ.
  auto e = capture([] { (void)allclose(Tensor::ones({2}), Tensor::zeros({2}), kNaN, kNaN); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "allclose rtol = NaN"));
  e = capture([] { (void)allclose(Tensor::ones({2}), Tensor::ones({2}), 1e-5, -1); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "allclose atol = -1"));
  CHECK(mentions(e, "a tolerance is a distance, so it cannot be negative"));
  CHECK(allclose(Tensor::ones({2}), Tensor::ones({2}), 0, 0));
}

TEST_CASE("hostile api: randn and uniform refuse parameters that give no distribution") {
  auto e = capture([] { (void)Tensor::randn({3}, 1, 0.0, -1.0); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Tensor::randn stddev = -1"));
  e = capture([] { (void)Tensor::randn({3}, 1, kNaN, 1.0); });
  CHECK(mentions(e, "Tensor::randn mean = NaN"));
  e = capture([] { (void)Tensor::randn({3}, 1, 0.0, kInf); });
  CHECK(mentions(e, "Tensor::randn stddev = inf"));
  e = capture([] { (void)Tensor::uniform({3}, 1, 5.0, 1.0); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "Tensor::uniform high = 1"));
  CHECK(mentions(e, "a finite number >= 5"));
  CHECK(Tensor::randn({3}, 1, 2.0, 0.0).to_vector<float>() == std::vector<float>{2, 2, 2});
}

TEST_CASE("hostile api: max and argmax along an axis of size 0 are refused") {
  // max returned -3.4e38 and argmax index 0 (an element that does not exist) before.
  auto e = capture([] { (void)Tensor::ones({3, 0}).argmax(1); });
  CHECK(e.code() == "reduce.axis");
  CHECK(mentions(e, "argmax along axis 1 of (3, 0), which has size 0"));
  e = capture([] { (void)Tensor::ones({3, 0}).max(-1); });
  CHECK(e.code() == "reduce.axis");
  CHECK(e.actual() == "(3, 0)");
  // Along a non-empty axis an empty tensor still reduces, and softmax keeps its shape.
  CHECK(Tensor::ones({0, 3}).argmax(1).shape() == Shape{0});
  CHECK(softmax(Tensor::ones({3, 0})).shape() == Shape{3, 0});
  CHECK(log_softmax(Tensor::ones({0, 3})).shape() == Shape{0, 3});
}

TEST_CASE("hostile api: max and argmax answer NaN wherever it stands") {
  // A NaN after the first element was skipped: max gave 3 and argmax 2 for {1, NaN, 3}.
  const float nan = static_cast<float>(kNaN);
  auto x = Tensor::from_vector(std::vector<float>{1, nan, 3, nan}, {1, 4});
  CHECK(x.argmax(1).at({0}) == 1);
  CHECK(std::isnan(x.max(1).at({0})));
  auto first = Tensor::from_vector(std::vector<float>{nan, 5}, {1, 2});
  CHECK(first.argmax(1).at({0}) == 0);
  CHECK(std::isnan(first.max(1).at({0})));
  auto clean = Tensor::from_vector(std::vector<float>{1, 7, 7, -2}, {2, 2});
  CHECK(clean.argmax(1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(clean.max(0).to_vector<float>() == std::vector<float>{7, 7});
}

}  // TEST_SUITE
