// Suite "core/base": the tests of shape.
#include <doctest/doctest.h>

#include <cblas.h>
#include <cmath>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;

TEST_SUITE("core/base") {

TEST_CASE("Shape prints in Keras notation and compares by value") {
  Shape s{kUnknown, 28, 28, 1};
  CHECK(s.str() == "(None, 28, 28, 1)");
  CHECK(Shape{10}.str() == "(10,)");
  CHECK(Shape{}.str() == "()");
  CHECK(s == Shape{kUnknown, 28, 28, 1});
  CHECK_FALSE(s == Shape{kUnknown, 28, 28, 3});
  CHECK(s.compatible(Shape{32, 28, 28, 1}));
  CHECK(s.dim(-1) == 1);
}

}  // TEST_SUITE
