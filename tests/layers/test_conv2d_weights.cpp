// Suite "layers": Conv2D keeps its kernel in oneDNN's blocked layout from one call to the next
// (core/kernels/conv.cpp, BlockedKernel); every way of changing the kernel must reach the next
// call: set_weights, an optimizer step, load_weights, and a user's write through data<T>(),
// raw_data() or a view, even through a pointer taken before the kept copy was made.
#include <doctest/doctest.h>

#include <utility>

#include <tenet/tenet.hpp>

#include "support/test_util.hpp"

using namespace tenet;

namespace {

// 16 channels in and out: the kernel's oneDNN layout is blocked (OIhw16i16o or alike), not hwio.
constexpr std::int64_t kChannels = 16;

struct Net {
  Conv2D conv{kChannels, {3, 3}, {.padding = Padding::same, .seed = 3}};
  Model model;
  Net() : model(make()) {}
  Model make() {
    auto in = Input({5, 5, kChannels});
    return Model(in, conv(in));
  }
};

Tensor images() { return Tensor::randn({2, 5, 5, kChannels}, 8); }

// What a model of one Conv2D with conv's current weights gives on x: one that never ran before,
// so it has no kept kernel (a symbolic call builds the weights and runs no kernel). Read through
// const handles: reading hands out no mutable pointer.
Tensor fresh_output(const Conv2D& conv, const Tensor& x) {
  Net fresh;
  const std::vector<Tensor> w = conv.weights();
  fresh.conv.set_weights({w[0], w[1]});
  return fresh.model.predict(x);
}

// The model's next call uses conv's current weights, and they differ from `before`'s output.
void check_current(Net& n, const Tensor& x, const Tensor& before) {
  const Tensor now = n.model.predict(x);
  CHECK(allclose(now, fresh_output(n.conv, x), 0.0, 0.0));
  CHECK_FALSE(allclose(now, before, 1e-3, 1e-3));
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("Conv2D's next call sees the kernel set by set_weights, an optimizer step and load_weights") {
  clear_session();
  Net n;
  const Tensor x = images();
  Tensor y = n.model.predict(x);
  CHECK(allclose(n.model.predict(x), y, 0.0, 0.0));  // unchanged weights: the kept kernel
  n.conv.set_weights({Tensor::randn({3, 3, kChannels, kChannels}, 5), Tensor::randn({16}, 6)});
  check_current(n, x, y);

  y = n.model.predict(x);
  n.model.compile({.optimizer = SGD({.learning_rate = 0.5}), .loss = MeanSquaredError()});
  n.model.train_on_batch({x}, Tensor::ones(y.shape()));
  check_current(n, x, y);

  y = n.model.predict(x);
  tenet::testing::TempDir dir;
  Net other;
  other.model.save_weights(dir.file("other.weights.h5"));
  n.model.load_weights(dir.file("other.weights.h5"));
  check_current(n, x, y);
  CHECK(allclose(n.model.predict(x), other.model.predict(x), 0.0, 0.0));
}

TEST_CASE("Conv2D's next call sees a user's write through data<T>(), raw_data() and views") {
  clear_session();
  Net n;
  const Tensor x = images();
  Tensor kernel = n.conv.weights()[0];
  float* p = kernel.data<float>();  // taken before the calls below
  Tensor y = n.model.predict(x);
  p[0] += 2.0f;  // through a pointer handed out before the kept copy was made
  check_current(n, x, y);

  y = n.model.predict(x);
  static_cast<float*>(kernel.raw_data())[kChannels] -= 2.0f;
  check_current(n, x, y);

  y = n.model.predict(x);
  Tensor flat = n.conv.weights()[0].reshape({-1});  // a view sharing the kernel's storage
  flat.data<float>()[3] += 2.0f;
  check_current(n, x, y);

  y = n.model.predict(x);
  Tensor view = n.conv.weights()[0].detach();
  view.data<float>()[7] += 2.0f;
  check_current(n, x, y);
}

}  // TEST_SUITE
