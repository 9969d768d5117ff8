// Suite "losses": the tests of sparse_categorical_crossentropy.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"
#include "support/loss_reference.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::Rows;
using tenet::testing::kClasses;
using tenet::testing::kLogits;
using tenet::testing::kProbs;
using tenet::testing::one_hot_rows;
using tenet::testing::ref_ce_logits;
using tenet::testing::ref_ce_probs;
using tenet::testing::rows_tensor;

TEST_SUITE("losses") {

TEST_CASE("sparse categorical cross-entropy equals the one-hot loss, any integer dtype") {
  Rows y = one_hot_rows(kClasses, 3);
  std::vector<std::int64_t> idx(kClasses.begin(), kClasses.end());
  Tensor l64 = Tensor::from_vector(idx);
  for (Tensor labels : {l64, l64.astype(DType::i32), l64.astype(DType::u8), l64.reshape({4, 1})}) {
    CAPTURE(labels.shape());
    Tensor p = SparseCategoricalCrossentropy()(rows_tensor(kProbs), labels);
    CHECK(p.item() == doctest::Approx(ref_ce_probs(kProbs, y)).epsilon(1e-5));
    Tensor z = SparseCategoricalCrossentropy({.from_logits = true})(rows_tensor(kLogits), labels);
    CHECK(std::isfinite(z.item()));
    CHECK(z.item() == doctest::Approx(ref_ce_logits(kLogits, y)).epsilon(1e-5));
  }
}

}  // TEST_SUITE
