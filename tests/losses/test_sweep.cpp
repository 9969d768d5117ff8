// Suite "losses": the tests of sweep.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <typeinfo>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_reliability_util.hpp"
#include "support/sweep_util.hpp"

using namespace tenet;
using reliability::Rng;
using tenet::testing::Tally;
using tenet::testing::all_finite;
using tenet::testing::known_codes;
using tenet::testing::run_case;

TEST_SUITE("losses") {

TEST_CASE("sweep: every loss computes a finite scalar or names a label contract") {
  Rng r(77);
  Tally tally;
  for (int i = 0; i < 150; ++i) {
    const int kind = i % 5;
    const int rank = r.uniform_int(0, 3);
    Shape ps = r.shape(rank);
    Shape ls = r.coin() ? ps : r.shape(r.uniform_int(0, 3));
    if (kind >= 2 && kind <= 3 && r.coin() && rank > 0) ls = Shape(std::vector<std::int64_t>(ps.dims().begin(), ps.dims().end() - 1));
    const DType ldt = r.dtype();
    std::string label = "loss " + std::to_string(kind) + " predictions " + ps.str() + " labels " +
                        ls.str() + " " + dtype_name(ldt);
    run_case(label, tally, [&] {
      Loss loss;
      Tensor pred;
      const bool logits = kind % 2 == 1;
      if (kind <= 1) loss = CategoricalCrossentropy({.from_logits = logits});
      else if (kind <= 3) loss = SparseCategoricalCrossentropy({.from_logits = logits});
      else loss = MeanSquaredError();
      pred = logits || kind == 4 ? Tensor::randn(ps, r.seed()) : Tensor::uniform(ps, r.seed(), 0.01, 1.0);
      pred.requires_grad(true);
      Tensor labels = r.labels(ls, ldt);
      Tensor value = loss(pred, labels);
      CHECK(value.rank() == 0);
      CHECK_MESSAGE(all_finite(value), "loss value " << value.item());
      value.backward();
      if (pred.grad().defined()) {
        CHECK(pred.grad().shape() == pred.shape());
        CHECK(all_finite(pred.grad()));
      }
    });
  }
  MESSAGE("losses: " << tally.computed << " computed, " << tally.refused << " refused");
  CHECK(tally.computed > 10);
  CHECK(tally.refused > 10);
}

}  // TEST_SUITE
