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

// Shape keeps up to six dimensions inline and more on the heap: every copy, move and edit must
// give the same dimensions either way, across the boundary too.
TEST_CASE("Shape: inline (rank <= 6) and heap (rank 7) dimensions copy, move, compare and edit alike") {
  const Shape empty;
  CHECK(empty.rank() == 0);
  CHECK(empty == Shape{});
  CHECK(empty.numel() == 1);
  CHECK(empty.dims().empty());
  const Shape six{1, 2, 3, 4, 5, 6};
  const Shape seven{1, 2, 3, 4, 5, 6, 7};
  CHECK(seven.str() == "(1, 2, 3, 4, 5, 6, 7)");
  CHECK(seven.numel() == 5040);
  CHECK_FALSE(six == seven);
  CHECK_FALSE(seven == Shape{1, 2, 3, 4, 5, 6, 8});
  CHECK(six.inserted(6, 7) == seven);   // inline -> heap
  CHECK(seven.removed(6) == six);       // heap -> inline
  CHECK(seven.drop_front(1) == Shape{2, 3, 4, 5, 6, 7});
  CHECK(seven.inserted(0, 0).str() == "(0, 1, 2, 3, 4, 5, 6, 7)");
  for (const Shape& original : {empty, six, seven}) {
    Shape copy = original;
    CHECK(copy == original);
    Shape moved = std::move(copy);
    CHECK(moved == original);
    CHECK(copy.rank() == 0);  // NOLINT: a moved-from Shape is empty and usable
    copy = moved;             // assign into a moved-from shape
    CHECK(copy == original);
    Shape& self = copy;
    copy = self;              // self-assignment keeps the dimensions
    CHECK(copy == original);
    if (original.rank() > 0) {
      copy[0] = 42;           // a copy is independent of its source
      CHECK(moved[0] == original[0]);
      CHECK(copy.with(0, original[0]) == original);
    }
  }
  Shape grown = six;
  grown = seven;  // inline -> heap by assignment, and back
  CHECK(grown == seven);
  grown = six;
  CHECK(grown == six);
  CHECK(std::vector<std::int64_t>(seven.begin(), seven.end()) ==
        std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(Shape(std::vector<std::int64_t>{9, 8, 7, 6, 5, 4, 3, 2}).rank() == 8);
  const auto e = capture([&] { (void)seven[7]; });
  CHECK(e.code() == "tensor.index");
}

}  // TEST_SUITE
