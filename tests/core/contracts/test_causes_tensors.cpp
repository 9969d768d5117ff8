// Causes of tensor.item, tensor.index, tensor.shape and reshape.size (op and from_vector).
#include "causes_util.hpp"

using namespace tenet;
using causes_test::differ;
using causes_test::has;
using causes_test::raised;

TEST_CASE("tensor.item: an empty tensor, or one of several values") {
  auto empty = raised("tensor.item", [] { (void)Tensor::zeros({0, 3}).item(); });
  CHECK(has(empty.cause(), "is empty"));
  auto many = raised("tensor.item", [] { (void)Tensor::zeros({3}).item(); });
  CHECK(has(many.fix(), "t.sum().item()"));
  differ(empty, many);
}

TEST_CASE("tensor.index: a missing coordinate, a negative index, an index past the end") {
  auto missing = raised("tensor.index", [] { (void)Tensor::zeros({2, 3}).at({1}); });
  CHECK(has(missing.cause(), "one coordinate is missing"));
  CHECK(has(missing.fix(), "t.at({0, 0})"));
  auto negative = raised("tensor.index", [] { (void)Tensor::zeros({2, 3}).at({0, -1}); });
  CHECK(has(negative.fix(), "2 for -1"));
  auto past = raised("tensor.index", [] { (void)Tensor::zeros({2, 3}).at({2, 0}); });
  CHECK(has(past.cause(), "its last index is 1"));
  differ(negative, past);
}

TEST_CASE("tensor.shape: None or a negative size in a concrete shape") {
  auto none = raised("tensor.shape", [] { (void)Tensor::zeros({kUnknown, 3}); });
  auto neg = raised("tensor.shape", [] { (void)Tensor::zeros({-5, 3}); });
  differ(none, neg);
}

TEST_CASE("reshape.size: the reshape op, and values that do not fill a shape") {
  auto op = raised("reshape.size", [] { (void)reshape(Tensor::zeros({4, 6}), {5, 5}); });
  auto values = raised("reshape.size", [] {
    (void)Tensor::from_vector(std::vector<float>{1, 2, 3}, {2, 2});
  });
  CHECK(has(values.cause(), "the vector holds 3 values"));
  differ(op, values);
}
