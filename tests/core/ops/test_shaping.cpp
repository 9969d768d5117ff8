// Suite "core/ops": the tests of shaping.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("core/ops") {

TEST_CASE("shape ops: reshape, transpose, slice, concat, stack") {
  Tensor a = Tensor::arange(24).reshape({2, 3, 4});
  CHECK(a.reshape({-1, 4}).shape() == Shape{6, 4});
  Tensor t = transpose(a, {2, 0, 1});
  CHECK(t.shape() == Shape{4, 2, 3});
  CHECK(t.at({3, 1, 2}) == a.at({1, 2, 3}));
  Tensor s = slice(a, 1, 1, 3);
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK(s.at({1, 0, 2}) == a.at({1, 1, 2}));
  Tensor c = concat({a, a}, -1);
  CHECK(c.shape() == Shape{2, 3, 8});
  CHECK(c.at({1, 2, 7}) == a.at({1, 2, 3}));
  Tensor st = stack({a, a, a}, 0);
  CHECK(st.shape() == Shape{3, 2, 3, 4});
}

TEST_CASE("reshape.size: the element count is kept") {
  auto e = capture([] { (void)Tensor::zeros({4, 6}).reshape({5, 5}); });
  CHECK(e.code() == "reshape.size");
  CHECK(e.expected().find("24") != std::string::npos);
  CHECK(e.actual().find("25") != std::string::npos);
  CHECK(e.fix().find("24") != std::string::npos);
}

TEST_CASE("concat.shape at run time names differing axes and suggests resizing") {
  Tensor a = Tensor::zeros({8, 16, 16, 32}), b = Tensor::zeros({8, 28, 28, 64});
  auto e = capture([&] { (void)concat({a, b}, -1); });
  CHECK(e.code() == "concat.shape");
  CHECK(e.phase() == Phase::run);
  CHECK(e.where().find("test_shaping.cpp") != std::string::npos);
  CHECK(e.actual() == "(8, 28, 28, 64)");
  CHECK(e.expected() == "(8, 16, 16, 64)");
  CHECK(e.info().marked == std::vector<int>{1, 2});
  CHECK(e.fix().find("Resizing(16, 16)") != std::string::npos);
  CHECK(capture([&] { (void)concat({a, Tensor::zeros({8, 16})}); }).code() == "concat.rank");
  CHECK(capture([&] { (void)concat({a, a}, 4); }).code() == "concat.axis");
}

TEST_CASE("batch.ragged: stacking samples of different shapes") {
  auto e = capture([] {
    (void)stack({Tensor::zeros({128, 128, 3}), Tensor::zeros({128, 128, 3}), Tensor::zeros({64, 64, 3})});
  });
  CHECK(e.code() == "batch.ragged");
  CHECK(e.expected() == "(128, 128, 3)");
  CHECK(e.actual() == "(64, 64, 3)");
  CHECK(e.cause().find("sample 2") != std::string::npos);
  CHECK(e.fix().find("resize") != std::string::npos);
}

}  // TEST_SUITE
