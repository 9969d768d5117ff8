// Suite "core/ops": the tests of compare.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <cblas.h>
#include <cstdint>
#include <vector>

#include "support/test_contracts_util.hpp"
#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::mentions;
using tenet::testing::kNaN;

TEST_SUITE("core/ops") {

TEST_CASE("compare.shape: allclose and equal on tensors of different shapes") {
  auto e = capture("compare.shape", [] { (void)allclose(Tensor::zeros({10, 1}), Tensor::zeros({10})); });
  CHECK(e.phase() == Phase::run);
  CHECK(has(e.where(), "allclose"));
  CHECK(e.expected() == "(10, 1)");
  CHECK(e.actual() == "(10,)");
  CHECK(has(e.cause(), "ranks differ"));
  CHECK(has(e.fix(), "a.shape() == b.shape()"));
  auto q = capture("compare.shape", [] { (void)equal(Tensor::zeros({32, 10}), Tensor::zeros({16, 10})); });
  CHECK(q.info().marked == std::vector<int>{0});
  CHECK(has(q.cause(), "batch (axis 0)"));
}

TEST_CASE("compare.shape: allclose never broadcasts") {
  auto e = capture([] { (void)allclose(Tensor::zeros({3, 1}), Tensor::zeros({3})); });
  CHECK(e.code() == "compare.shape");
  CHECK(e.expected() == "(3, 1)");
  CHECK(e.actual() == "(3,)");
  CHECK(e.fix().find("a.shape() == b.shape()") != std::string::npos);
  CHECK(equal(Tensor::arange(3), Tensor::arange(3)).sum().item() == 3);
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

}  // TEST_SUITE
