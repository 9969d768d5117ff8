// Suite "core/training": the tests of model_fusion.
#include <doctest/doctest.h>

#include <algorithm>

#include <tenet/tenet.hpp>

#include "core/kernels/memory.hpp"
#include "support/gradcheck.hpp"
#include "support/layout_util.hpp"

using namespace tenet;
using tenet::testing::max_diff;

TEST_SUITE("core/training") {

TEST_CASE("Model folds a ReLU into the BatchNorm before it, and only when nothing else reads it") {
  auto in = Input({6, 6, 2});
  Conv2D conv(4, {3, 3}, {.seed = 10});
  BatchNorm norm;
  ReLU relu;
  Flatten flat;
  Dense dense(3, {.seed = 11});
  auto normed = norm(conv(in));
  Model folded(in, dense(flat(relu(normed))));
  Tensor x = Tensor::uniform({5, 6, 6, 2}, 12, -2.0, 2.0);

  // The model's (fused) pass against the same layers called one by one (unfused).
  Tensor xa = x.clone().requires_grad(true), xb = x.clone().requires_grad(true);
  Tensor ya = folded.call({xa}, {.training = true})[0];
  norm.discard();
  Tensor yb = dense(flat(relu(norm(conv(xb), {.training = true}))));
  norm.discard();
  CHECK(max_diff(ya, yb) < 1e-5);
  Tensor r = Tensor::uniform(ya.shape(), 13, -1.0, 1.0);
  (ya * r).sum().backward();
  Tensor gx = xa.grad(), ggamma = norm.weights()[0].grad();
  norm.weights()[0].zero_grad();
  (yb * r).sum().backward();
  CHECK(max_diff(gx, xb.grad()) < 1e-5);
  CHECK(max_diff(ggamma, norm.weights()[0].grad()) < 1e-4);

  // The fused pass against finite differences, in inference mode (moving statistics).
  testing::check_gradients(
      [&](const std::vector<Tensor>& v) { return folded.call({v[0]}, {.training = false})[0]; },
      {x.clone().requires_grad(true)}, {norm.weights()[0], norm.weights()[1]});

  // When the BatchNorm's output is also a model output, the ReLU is not folded: that output
  // keeps its negative values.
  Model both({in}, std::vector<SymbolicTensor>{relu(normed), normed});
  auto outs = both.call({x}, {.training = true});
  norm.discard();
  auto lowest = [](const Tensor& t) {
    auto v = t.to_vector<float>();
    return *std::min_element(v.begin(), v.end());
  };
  CHECK(lowest(outs[1]) < 0.0f);
  CHECK(lowest(outs[0]) == 0.0f);
  CHECK(max_diff(outs[0], relu(outs[1])) == 0.0);
}

// When the convolution's output is also a model output, its ReLU's backward must stay: the
// gradient arriving through that second output is not masked by any pool.
void check_relu_backward_kept(const SymbolicTensor& in, const SymbolicTensor& features,
                              Conv2D& conv, MaxPool2D& pool, Flatten& flat, Dense& dense,
                              const Tensor& x, const Tensor& r) {
  Model both({in}, std::vector<SymbolicTensor>{dense(flat(pool(features))), features});
  Tensor xc = x.clone().requires_grad(true), xd = x.clone().requires_grad(true);
  auto outs = both.call({xc}, {.training = true});
  Tensor feats = conv(xd);
  Tensor alone = dense(flat(pool(feats)));
  Tensor r2 = Tensor::uniform(feats.shape(), 24, -1.0, 1.0);
  for (auto& w : conv.weights()) w.zero_grad();
  ((outs[0] * r).sum() + (outs[1] * r2).sum()).backward();
  std::vector<Tensor> gc{xc.grad()};
  for (auto& w : conv.weights()) gc.push_back(w.grad());
  for (auto& w : conv.weights()) w.zero_grad();
  ((alone * r).sum() + (feats * r2).sum()).backward();
  std::vector<Tensor> gd{xd.grad()};
  for (auto& w : conv.weights()) gd.push_back(w.grad());
  for (std::size_t i = 0; i < gc.size(); ++i) CHECK(max_diff(gc[i], gd[i]) == 0.0);
}

TEST_CASE("Model lets MaxPool2D do the ReLU backward of the Conv2D before it, only when nothing else reads it") {
  // Conv2D(relu) -> MaxPool2D inside a Model: the pool passes no gradient through a window whose
  // maximum is 0 and the convolution skips its ReLU's backward. The gradients must equal, bit
  // for bit, those of the same layers called one by one (each doing its own backward).
  // Each kind of window: 2x2/2 (its own loop), overlapping 3x3/2 (a cell in several windows),
  // and "same" padding.
  struct Pool { long k, s; Padding padding; };
  for (const Pool& pc : {Pool{2, 2, Padding::valid}, Pool{3, 2, Padding::valid},
                         Pool{2, 2, Padding::same}}) {
  CAPTURE(pc.k);
  CAPTURE(pc.s);
  auto in = Input({9, 9, 3});
  Conv2D conv(32, {3, 3}, {.activation = Activation::relu, .seed = 20});
  MaxPool2D pool({pc.k, pc.k}, {.strides = {pc.s, pc.s}, .padding = pc.padding});
  Flatten flat;
  Dense dense(4, {.seed = 21});
  auto features = conv(in);
  Model fused(in, dense(flat(pool(features))));
  Tensor x = Tensor::uniform({6, 9, 9, 3}, 22, -1.0, 1.0);

  Tensor xa = x.clone().requires_grad(true), xb = x.clone().requires_grad(true);
  Tensor ya = fused.call({xa}, {.training = true})[0];
  Tensor pooled = pool(conv(xb));
  Tensor yb = dense(flat(pooled));
  // Some windows are all zero after the ReLU: those are the ones whose gradient the pool drops.
  auto pv = pooled.to_vector<float>();
  CHECK(std::count(pv.begin(), pv.end(), 0.0f) > 0);
  CHECK(max_diff(ya, yb) == 0.0);
  Tensor r = Tensor::uniform(ya.shape(), 23, -1.0, 1.0);
  auto grads = [&](const Tensor& y, const Tensor& xin) {
    for (auto& w : conv.weights()) w.zero_grad();
    (y * r).sum().backward();
    std::vector<Tensor> g{xin.grad()};
    for (auto& w : conv.weights()) g.push_back(w.grad());
    return g;
  };
  auto ga = grads(ya, xa), gb = grads(yb, xb);
  for (std::size_t i = 0; i < ga.size(); ++i) CHECK(max_diff(ga[i], gb[i]) == 0.0);

  // (Finite differences are no sharper a check here: the unfused layers' gradients are checked
  // against them in their own tests, and this net has ReLU and max kinks within any step.)

  check_relu_backward_kept(in, features, conv, pool, flat, dense, x, r);
  }
}

}  // TEST_SUITE
