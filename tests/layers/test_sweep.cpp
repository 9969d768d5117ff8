// Suite "layers": the tests of sweep.
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

namespace {

// A layer with a random (sometimes invalid) configuration, and how many inputs it takes.
struct LayerCase {
  std::string kind;
  Layer layer;
  int inputs = 1;
};

LayerCase make_layer(Rng& r, int kind) {
  const std::int64_t n = r.pick<std::int64_t>({0, 1, 2, 3});  // 0: a degenerate configuration
  const Padding pad = r.coin() ? Padding::same : Padding::valid;
  switch (kind) {
    case 0: return {"Conv2D", Conv2D(n, {r.pick<std::int64_t>({1, 2, 3}), 2},
                                     {.strides = {r.pick<std::int64_t>({1, 2}), 1},
                                      .padding = pad, .seed = 3})};
    case 1: return {"MaxPool2D", MaxPool2D({r.pick<std::int64_t>({1, 2, 3}), 2}, {.padding = pad})};
    case 2: return {"BatchNorm", BatchNorm()};
    case 3: return {"Dense", Dense(n, {.seed = 4})};
    case 4: return {"Flatten", Flatten()};
    case 5: return {"Concatenate", Concatenate(r.pick<int>({-1, 0, 1, 3, 7})), 2};
    case 6: return {"ReLU", ReLU()};
    case 7: return {"Softmax", Softmax(r.pick<int>({-1, 0, 2, 9}))};
    case 8: return {"Resizing", Resizing(n, r.pick<std::int64_t>({1, 3}))};
    case 9: return {"GlobalAveragePooling2D", GlobalAveragePooling2D()};
    case 10: return {"GlobalMaxPooling2D", GlobalMaxPooling2D()};
    case 11: return {"Add", Add(), r.pick<int>({1, 2, 3})};
    case 12: return {"Multiply", Multiply(), r.pick<int>({1, 2})};
    case 13: return {"Dropout", Dropout(r.pick<double>({0.0, 0.5, 1.0, -0.1}), {.seed = 5})};
    case 14: return {"Rescaling", Rescaling(1.0 / 255, r.pick<double>({0.0, -1.0}))};
    default: return {"Reshape", Reshape(r.pick<Shape>({Shape{-1}, Shape{2, -1}, Shape{0}, Shape{3, 1}, Shape{-1, -1}}))};
  }
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("sweep: every layer computes a finite result of its rule's shape or names a contract") {
  Rng r(20240611);
  Tally tally;
  constexpr int kKinds = 16;
  for (int i = 0; i < 16 * kKinds; ++i) {
    const int kind = i % kKinds;
    std::vector<Tensor> xs;
    Shape shape = r.shape(r.uniform_int(0, 6));
    const DType dt = r.dtype();
    std::string label = "case " + std::to_string(i) + " kind " + std::to_string(kind) + " " +
                        shape.str() + " " + dtype_name(dt);
    run_case(label, tally, [&] {
      LayerCase lc = make_layer(r, kind);
      const bool training = r.coin();
      for (int k = 0; k < lc.inputs; ++k) {
        // Multi-input layers mostly get equal shapes, sometimes a changed last axis.
        Shape s = shape;
        if (k > 0 && s.rank() > 0 && r.uniform_int(0, 3) == 0) s = r.change_last(s);
        Tensor x = r.tensor(s, dt);
        if (is_floating(dt)) x.requires_grad(true);
        xs.push_back(x);
      }
      Tensor y = lc.inputs == 1 ? lc.layer(xs[0], {.training = training})
                                : lc.layer(xs, {.training = training});
      std::vector<Shape> in;
      for (const auto& x : xs) in.push_back(x.shape());
      const Shape rule = lc.layer.impl()->output_shape(in, Phase::run);
      CHECK_MESSAGE(y.shape() == rule, lc.kind << ": result " << y.shape() << " but rule " << rule);
      CHECK_MESSAGE(all_finite(y), lc.kind << " produced non-finite values");
      if (y.requires_grad() && y.numel() > 0) {  // the backward pass must hold up too
        y.sum().backward();
        for (const auto& x : xs)
          if (x.grad().defined()) {
            CHECK(x.grad().shape() == x.shape());
            CHECK(all_finite(x.grad()));
          }
      }
    });
  }
  MESSAGE("layers: " << tally.computed << " computed, " << tally.refused << " refused");
  CHECK(tally.computed > 30);
  CHECK(tally.refused > 30);
}

}  // TEST_SUITE
