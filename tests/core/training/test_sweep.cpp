// Suite "core/training": the tests of sweep.
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

TEST_SUITE("core/training") {

TEST_CASE("sweep: Model fit, evaluate and predict on random data compute or name a contract") {
  Rng r(99);
  Tally tally;
  for (int i = 0; i < 60; ++i) {
    const bool conv = i % 2 == 1;
    const int loss_kind = r.uniform_int(0, 2);
    // Data near the model's contract: the right shape, one axis changed, or a random shape.
    const Shape want = conv ? Shape{4, 4, 1} : Shape{3};
    std::vector<std::int64_t> dims = {r.pick<std::int64_t>({0, 1, 2, 5})};
    for (auto d : want.dims()) dims.push_back(d);
    Shape xs(dims);
    const int mode = r.uniform_int(0, 3);
    if (mode == 1) xs = r.change_last(xs);
    if (mode == 2) xs = r.shape(r.uniform_int(0, 6));
    const DType xdt = r.uniform_int(0, 3) == 0 ? r.dtype() : DType::f32;
    Shape ys = xs.rank() > 0 ? Shape{xs.dim(0)} : Shape{};
    if (loss_kind != 1) ys = Shape(std::vector<std::int64_t>{ys.rank() ? ys.dim(0) : 1, 2});
    if (r.uniform_int(0, 4) == 0) ys = r.shape(r.uniform_int(0, 3));
    const DType ydt = loss_kind == 1 ? r.pick<DType>({DType::i32, DType::i64, DType::u8, DType::f32})
                                     : r.pick<DType>({DType::f32, DType::f64, DType::i32});
    const std::int64_t batch = r.pick<std::int64_t>({1, 2, 32});
    const int action = r.uniform_int(0, 2);
    std::string label = std::string(conv ? "cnn" : "mlp") + " loss " + std::to_string(loss_kind) +
                        " x " + xs.str() + " " + dtype_name(xdt) + " y " + ys.str() + " " +
                        dtype_name(ydt) + " action " + std::to_string(action);
    run_case(label, tally, [&] {
      Model m = reliability::small_model(conv, loss_kind);
      Tensor x = r.tensor(xs, xdt);
      Tensor y = r.labels(ys, ydt);
      if (action == 0) {
        History h = m.fit(x, y, {.epochs = 1, .batch_size = batch, .verbose = 0});
        for (double v : h["loss"]) CHECK(std::isfinite(v));
      } else if (action == 1) {
        Logs logs = m.evaluate(x, y, {.batch_size = batch});
        CHECK(std::isfinite(logs.at("loss")));
      } else {
        Tensor p = m.predict(x, {.batch_size = batch});
        CHECK(p.shape() == Shape{x.dim(0), 2});
        CHECK(all_finite(p));
      }
    });
  }
  MESSAGE("model: " << tally.computed << " computed, " << tally.refused << " refused");
  CHECK(tally.computed > 5);
  CHECK(tally.refused > 5);
}

}  // TEST_SUITE
