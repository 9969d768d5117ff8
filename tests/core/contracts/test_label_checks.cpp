// Suite "core/contracts": the checks appended to core/contracts/label_checks.cpp: labels
// against predictions (batch.mismatch), and the class indices of one_hot and confusion_matrix.
#include <doctest/doctest.h>

#include <tenet/tenet.hpp>

#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::capture;
using contracts_test::has;

TEST_SUITE("core/contracts") {

TEST_CASE("batch.mismatch: a loss pairs prediction i with label i") {
  auto e = capture("batch.mismatch", [] {
    SparseCategoricalCrossentropy().impl()->check_labels(Shape{8, 3}, Tensor::zeros({6}, DType::i32),
                                                         Phase::run, Site("fit", "Model"));
  });
  CHECK(e.info().summary == "predictions and labels hold different numbers of samples (8 vs 6)");
  CHECK(e.expected() == "(8,): one label per prediction");
  CHECK(e.actual() == "(6,)");
  CHECK(e.info().marked == std::vector<int>{0});
  CHECK(has(e.cause(), "there are 8 predictions (8, 3) and 6 labels (6,)"));
}

TEST_CASE("one_hot: class indices of shape (N,), whole, in [0, classes)") {
  auto shape = capture("loss.label_shape", [] { (void)one_hot(Tensor::zeros({4, 3}), 3); });
  CHECK(shape.expected() == "(N,) or (N, 1)");
  CHECK(has(shape.cause(), "the labels have 3 columns: they may be one-hot already"));
  auto frac = capture("loss.label_dtype", [] {
    (void)one_hot(Tensor::from_vector(std::vector<float>{0, 0.5f}), 3);
  });
  CHECK(frac.info().summary == "a float label is not a whole number");
  CHECK(frac.expected() == "class indices 0..2");
  CHECK(has(frac.actual(), "at sample 1"));
  auto big = capture("loss.label_range", [] {
    (void)one_hot(Tensor::from_vector(std::vector<std::int32_t>{0, 3}), 3);
  });
  CHECK(big.info().summary == "label out of range for 3 classes");
  CHECK(big.actual() == "label 3 at sample 1");
  CHECK(has(big.fix(), "one_hot(labels, 4)"));
  auto negative = capture("loss.label_range", [] {
    (void)one_hot(Tensor::from_vector(std::vector<std::int32_t>{-1}), 3);
  });
  CHECK(has(negative.cause(), "a negative label"));
}

// confusion_matrix's class indices are one_hot's kind of message, written once: it gained a
// cause and a fix (it had neither).
TEST_CASE("loss.label_range: confusion_matrix names the index outside [0, classes), as one_hot does") {
  auto e = capture("loss.label_range", [] {
    (void)confusion_matrix(Tensor::from_vector(std::vector<std::int64_t>{0, 1}),
                           Tensor::from_vector(std::vector<std::int64_t>{1, 5}), 3);
  });
  CHECK(e.info().summary == "label out of range for 3 classes");
  CHECK(e.expected() == "labels in [0, 3)");
  CHECK(e.actual() == "label 5 at sample 1");
  CHECK(has(e.cause(), "there are more than 3 classes"));
  CHECK(has(e.fix(), "confusion_matrix(labels, predicted, 6)"));
  CHECK(e.site().name == "confusion_matrix");
}

}  // TEST_SUITE
