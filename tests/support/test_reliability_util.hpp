#pragma once
// Shared by the sweep tests (layers, losses, Model) and the file tests: a seeded generator of random shapes, dtypes,
// tensors and labels, and the small models the sweeps and the checkpoint test use.
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include <tenet/tenet.hpp>

namespace reliability {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_); }
  bool coin() { return uniform_int(0, 1) == 1; }
  std::uint64_t seed() { return g_() | 1u; }
  template <class T>
  T pick(std::initializer_list<T> items) {
    return items.begin()[uniform_int(0, static_cast<int>(items.size()) - 1)];
  }
  // Sizes 0 and 1 are frequent on purpose: they are where edge cases live. Total size capped.
  tenet::Shape shape(int rank) {
    std::vector<std::int64_t> d;
    std::int64_t total = 1;
    for (int i = 0; i < rank; ++i) {
      std::int64_t v = pick<std::int64_t>({0, 1, 1, 2, 3, 4, 6});
      if (total * v > 512) v = 1;
      total *= v;
      d.push_back(v);
    }
    return tenet::Shape(d);
  }
  tenet::Shape change_last(const tenet::Shape& s) {
    return s.with(s.rank() - 1, pick<std::int64_t>({0, 1, s.dim(-1) + 1, 5}));
  }
  tenet::DType dtype() {
    using tenet::DType;
    return pick<DType>({DType::f32, DType::f32, DType::f64, DType::u8, DType::i32, DType::i64});
  }
  // Values in [-3, 12) cast to the dtype (u8 wraps negatives, as a cast does).
  tenet::Tensor tensor(const tenet::Shape& s, tenet::DType t) {
    tenet::Tensor x = tenet::Tensor::uniform(s, seed(), -3.0, 12.0);
    return t == tenet::DType::u8 ? x.astype(tenet::DType::i32).astype(t).detach()
                                 : x.astype(t).detach();
  }
  // Labels: mostly valid class indices / one-hot-ish values, sometimes out of range.
  tenet::Tensor labels(const tenet::Shape& s, tenet::DType t) {
    const double hi = uniform_int(0, 3) == 0 ? 9.0 : 2.0;
    const double lo = uniform_int(0, 5) == 0 ? -2.0 : 0.0;
    tenet::Tensor x = tenet::Tensor::uniform(s, seed(), lo, hi);
    if (!tenet::is_floating(t)) x = x.astype(tenet::DType::i64);  // truncates toward zero
    if (t == tenet::DType::u8) x = x.astype(tenet::DType::i32);
    return x.astype(t).detach();
  }

 private:
  std::mt19937_64 g_;
};

// mlp: Input(3) -> Dense(4, relu) -> Dense(2); cnn: Input(4, 4, 1) -> Conv2D(2, 3x3, same)
// -> MaxPool2D -> BatchNorm -> Flatten -> Dense(2). loss_kind 0: categorical (logits),
// 1: sparse categorical (logits), 2: mean squared error. SGD, accuracy metric.
inline tenet::Model small_model(bool conv, int loss_kind) {
  using namespace tenet;
  SymbolicTensor in = conv ? Input({4, 4, 1}) : Input({3});
  SymbolicTensor h = in;
  if (conv) {
    h = Conv2D(2, {3, 3}, {.padding = Padding::same, .activation = Activation::relu, .seed = 1})(h);
    h = MaxPool2D({2, 2})(h);
    h = BatchNorm()(h);
    h = Flatten()(h);
  } else {
    h = Dense(4, {.activation = Activation::relu, .seed = 1})(h);
  }
  Model m(in, Dense(2, {.seed = 2})(h), conv ? "cnn" : "mlp");
  Loss loss = loss_kind == 0   ? Loss(CategoricalCrossentropy({.from_logits = true}))
              : loss_kind == 1 ? Loss(SparseCategoricalCrossentropy({.from_logits = true}))
                               : Loss(MeanSquaredError());
  m.compile({.optimizer = SGD({.learning_rate = 0.01}), .loss = loss,
             .metrics = {Metric::accuracy}});
  return m;
}

}  // namespace reliability
