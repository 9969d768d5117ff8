// Suite "core/base": the tests of error.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("core/base") {

TEST_CASE("an internal error says so and is not a ContractError") {
  // No user mistake reaches internal_error (reading a float32 tensor as double is input.dtype,
  // tests/core/tensor/test_tensor.cpp), so the function is called directly.
  CHECK_THROWS_AS(internal_error("a broken invariant"), InternalError);
  try {
    internal_error("a broken invariant");
  } catch (const InternalError& e) {
    CHECK(std::string(e.what()).find("internal error") != std::string::npos);
  }
}

}  // TEST_SUITE
