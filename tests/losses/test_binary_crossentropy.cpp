// BinaryCrossentropy: values against Keras 3.15.1 (scripts/make_optimizer_reference.py), the
// logits path stable for large logits, gradients against finite differences, and its label
// contracts explained from the labels' values.
#include <cmath>
#include <string>
#include <vector>

#include "support/gradcheck.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::check_gradients;
using tenet::testing::mentions;

namespace {

Tensor rows(const std::vector<float>& v) { return Tensor::from_vector(v, {2, 3}); }

ContractError label_error(const Tensor& labels) {
  return capture([&] {
    BinaryCrossentropy().impl()->check_labels(Shape{kUnknown, 3}, labels, Phase::run,
                                              Site("fit", "Model"));
  });
}

}  // namespace

TEST_SUITE("losses") {

TEST_CASE("binary cross-entropy matches Keras from probabilities and from logits") {
  const Tensor y = rows({1, 0, 1, 0, 0, 1});
  const Tensor p = rows({0.9f, 0.2f, 1.0f, 0.0f, 0.4f, 0.7f});  // 1.0 and 0.0 are clipped
  const Tensor z = rows({2, -1, 0, -30, 0.5f, 40});
  CHECK(BinaryCrossentropy().impl()->name() == "binary_crossentropy");
  CHECK(BinaryCrossentropy()(p, y).item() == doctest::Approx(0.199334145).epsilon(1e-6));
  CHECK(BinaryCrossentropy({.from_logits = true})(z, y).item() ==
        doctest::Approx(0.351235658).epsilon(1e-6));
  // (N,) targets for (N, 1) predictions, integer 0/1 labels accepted as Keras casts them.
  const Tensor p1 = Tensor::from_vector(std::vector<float>{0.25f, 0.75f}, {2, 1});
  const Tensor y1 = Tensor::from_vector(std::vector<std::int32_t>{0, 1});
  CHECK(BinaryCrossentropy()(p1, y1).item() == doctest::Approx(-std::log(0.75)).epsilon(1e-6));
}

TEST_CASE("binary cross-entropy gradients agree with finite differences") {
  const Tensor y = rows({1, 0, 1, 0, 0.5f, 1});
  Tensor z = rows({1.5f, -0.5f, 0.0f, 0.25f, -2.0f, 0.75f}).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) {
    return BinaryCrossentropy({.from_logits = true})(in[0], y);
  }, {z});
  Tensor p = rows({0.9f, 0.2f, 0.6f, 0.3f, 0.4f, 0.7f}).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return BinaryCrossentropy()(in[0], y); },
                  {p});
  // At logit 0 the gradient is sigmoid(0) - y = 0.5 - y, not the kink of |z|.
  Tensor zero = Tensor::zeros({1, 1}).requires_grad(true);
  BinaryCrossentropy({.from_logits = true})(zero, Tensor::ones({1, 1})).backward();
  CHECK(zero.grad().item() == doctest::Approx(-0.5));
}

TEST_CASE("binary labels out of [0, 1] are explained from their values") {
  auto e = label_error(rows({-1, 1, 1, -1, 1, -1}));  // a +-1 code
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "a +-1 encoding"));
  CHECK(mentions(e, "(y + 1) / 2"));
  e = label_error(rows({0, 255, 255, 0, 0, 255}));  // a 0/255 mask
  CHECK(mentions(e, "a 0/255 mask"));
  CHECK(mentions(e, "divide the targets by 255"));
  e = label_error(rows({0, 2, 1, 3, 0, 1}));  // class indices
  CHECK(mentions(e, "class indices of 4 classes"));
  CHECK(mentions(e, "SparseCategoricalCrossentropy"));
  CHECK(mentions(e, "element 1"));
  e = label_error(rows({0, 0.5f, 1.5f, 0, 0, 1}));  // soft targets past 1
  CHECK(mentions(e, "element 2 is 1.5"));
  CHECK(mentions(e, "rescale or recode"));
  e = label_error(Tensor::zeros({2, 4}));  // shape
  CHECK(e.code() == "loss.label_shape");
}

}  // TEST_SUITE
