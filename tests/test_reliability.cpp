// Suite "reliability": the bad-input sweep. A seeded property test feeds every layer, every
// loss and Model fit/predict/evaluate with random ranks (0..6), sizes (0 and 1 included),
// dtypes and label values. Each case must either compute a result (finite, of the shape the
// layer's own shape rule predicts) or raise a ContractError whose code is in tenet's catalog.
// Never a crash, an InternalError or another exception type.
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

#include "tests/test_reliability_util.hpp"

using namespace tenet;
using reliability::Rng;

namespace {

// Every contract code raised anywhere in core/ layers/ losses/ data/ (grep 'Violation("' and
// the check_* helpers' code arguments).
const std::set<std::string>& known_codes() {
  static const std::set<std::string> codes = {
      "autograd.backward", "batch.empty",        "batch.mismatch",    "batch.ragged",
      "batchnorm.features", "callback.filepath", "checkpoint.mismatch", "compare.shape",
      "concat.axis",        "concat.rank",       "concat.shape",      "conv.channels",
      "conv.rank",          "conv.too_small",    "data.format",       "dense.features",
      "dense.rank",         "dense.undefined",   "elementwise.shape", "flatten.rank",
      "history.key",        "input.count",       "input.dtype",       "input.rank",
      "input.shape",        "options.invalid",   "layer.input_count", "layer.input_spec",
      "loss.label_dtype",   "loss.label_range",  "loss.label_shape",  "matmul.shape",
      "model.compile",      "model.graph",       "numerics.nonfinite", "reduce.axis",
      "reshape.axis",       "reshape.size",      "resize.size",       "slice.range",
      "tensor.index",       "tensor.item",       "tensor.shape"};
  return codes;
}

// Outcome tally of the sweep, printed once so a reader sees that both paths were exercised.
struct Tally {
  int computed = 0, refused = 0;
  std::map<std::string, int> codes;
};

// Runs one case. `body` computes and checks a result; a ContractError must carry a known code.
void run_case(const std::string& label, Tally& tally, const std::function<void()>& body) {
  CAPTURE(label);
  try {
    body();
    ++tally.computed;
  } catch (const ContractError& e) {
    INFO("contract error: " << e.what());
    CHECK_MESSAGE(known_codes().count(e.code()) == 1, "unknown code " << e.code());
    CHECK_FALSE(std::string(e.what()).empty());
    ++tally.refused;
    ++tally.codes[e.code()];
  } catch (const InternalError& e) {
    FAIL_CHECK("InternalError: " << std::string(e.what()));
  } catch (const std::exception& e) {
    FAIL_CHECK("unexpected exception " << typeid(e).name() << ": " << std::string(e.what()));
  }
}

bool all_finite(const Tensor& t) {
  if (!is_floating(t.dtype())) return true;
  for (double v : t.astype(DType::f64).to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

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

TEST_SUITE("reliability") {

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
