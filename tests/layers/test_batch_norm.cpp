// Suite "layers": the tests of batch_norm.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <cmath>

#include <tenet/layers/batch_norm.hpp>
#include <tenet/layers/max_pool2d.hpp>

#include "support/test_contracts_util.hpp"
#include "core/kernels/memory.hpp"
#include "support/gradcheck.hpp"
#include "support/test_util.hpp"
#include "support/pool_norm_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;
using tenet::testing::check_gradients;
using tenet::testing::has;
using tenet::testing::worst_diff;

namespace {

// Batch normalisation over the last axis in double: statistics (biased variance) over all
// other axes when `training`, else the given ones. Returns y; fills dx, dgamma, dbeta for dy.
struct RefNorm {
  std::vector<double> y, dx, dgamma, dbeta, mean, var;
};
RefNorm ref_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& dy,
                 bool training, const Tensor& mm, const Tensor& mv, double eps) {
  auto xv = x.to_vector<double>(), g = gamma.to_vector<double>(), b = beta.to_vector<double>();
  auto d = dy.to_vector<double>();
  std::size_t c = static_cast<std::size_t>(x.dim(-1)), m = xv.size() / c;
  RefNorm r;
  r.mean = mm.to_vector<double>();
  r.var = mv.to_vector<double>();
  if (training) {
    r.mean.assign(c, 0.0);
    r.var.assign(c, 0.0);
    for (std::size_t i = 0; i < xv.size(); ++i) r.mean[i % c] += xv[i] / double(m);
    for (std::size_t i = 0; i < xv.size(); ++i)
      r.var[i % c] += (xv[i] - r.mean[i % c]) * (xv[i] - r.mean[i % c]) / double(m);
  }
  r.y.resize(xv.size());
  r.dx.resize(xv.size());
  r.dgamma.assign(c, 0.0);
  r.dbeta.assign(c, 0.0);
  std::vector<double> xhat(xv.size()), mean_d(c, 0.0), mean_dx(c, 0.0);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::size_t f = i % c;
    xhat[i] = (xv[i] - r.mean[f]) / std::sqrt(r.var[f] + eps);
    r.y[i] = g[f] * xhat[i] + b[f];
    r.dgamma[f] += d[i] * xhat[i];
    r.dbeta[f] += d[i];
    mean_d[f] += d[i] / double(m);
    mean_dx[f] += d[i] * xhat[i] / double(m);
  }
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::size_t f = i % c;
    double scale = g[f] / std::sqrt(r.var[f] + eps);
    r.dx[i] = training ? scale * (d[i] - mean_d[f] - xhat[i] * mean_dx[f]) : scale * d[i];
  }
  return r;
}

}  // namespace

TEST_SUITE("layers") {

TEST_CASE("batchnorm.features: a BatchNorm reused on another channel count") {
  clear_session();
  BatchNorm bn; const unsigned line = __LINE__;
  (void)bn(Input({8, 8, 16}));
  auto e = capture("batchnorm.features", [&] { (void)bn(Input({8, 8, 32})); });
  CHECK(e.phase() == Phase::build);
  CHECK(has(e.where(), "'batch_normalization' (BatchNorm) created at " + at(__FILE__, line)));
  CHECK(e.expected() == "(None, 8, 8, 16)");
  CHECK(e.actual() == "(None, 8, 8, 32)");
  CHECK(has(e.cause(), "16"));
  CHECK(has(e.fix(), "new BatchNorm"));
}

TEST_CASE("BatchNorm matches a double-precision reference in training and inference") {
  for (bool training : {true, false}) {
    for (const Shape& shape : {Shape{3, 4, 5, 6}, Shape{16, 5}}) {
      CAPTURE(training); CAPTURE(shape.str());
      BatchNorm bn;
      Tensor x = (Tensor::randn(shape, 41) * 2.0 + 0.5).detach().requires_grad(true);
      (void)bn(x);  // build, then non-trivial gamma, beta and moving statistics
      std::int64_t c = shape.dim(-1);
      bn.set_weights({Tensor::uniform({c}, 1, 0.5, 1.5), Tensor::uniform({c}, 2, -1, 1),
                      Tensor::uniform({c}, 3, -0.5, 0.5), Tensor::uniform({c}, 4, 0.5, 2.0)});
      auto w = bn.weights();
      Tensor y = bn(x, {.training = training});
      Tensor dy = Tensor::randn(shape, 43);
      y.backward(dy);
      RefNorm r = ref_norm(x, w[0], w[1], dy, training, w[2], w[3], 1e-3);
      CHECK(worst_diff(r.y, y) <= 1e-4);
      CHECK(worst_diff(r.dx, x.grad()) <= 1e-4);
      CHECK(worst_diff(r.dgamma, w[0].grad()) <= 1e-3);
      CHECK(worst_diff(r.dbeta, w[1].grad()) <= 1e-3);
    }
  }
}

TEST_CASE("BatchNorm gradient check in training mode") {
  BatchNorm bn;
  Tensor x = Tensor::randn({4, 2, 2, 3}, 51).requires_grad(true);
  (void)bn(x);
  bn.set_weights({Tensor::uniform({3}, 5, 0.5, 1.5), Tensor::uniform({3}, 6, -1, 1),
                  Tensor::zeros({3}), Tensor::ones({3})});
  auto w = bn.weights();
  check_gradients([&](const std::vector<Tensor>& in) { return bn(in[0], {.training = true}); },
                  {x}, {w[0], w[1]});
  BatchNorm flat;
  Tensor f = Tensor::randn({6, 4}, 52).requires_grad(true);
  check_gradients([&](const std::vector<Tensor>& in) { return flat(in[0], {.training = true}); },
                  {f}, {});
}

TEST_CASE("BatchNorm moving statistics change only on commit, by Keras's formula") {
  clear_session();
  BatchNorm bn({.momentum = 0.9});
  CHECK(bn.name() == "batch_normalization");
  Tensor x = Tensor::randn({8, 3, 3, 2}, 61) * 3.0 + 1.0;
  Tensor y = bn(x, {.training = true});
  auto w = bn.weights();
  REQUIRE(w.size() == 4);
  CHECK(bn.impl()->weight_names() ==
        std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"});
  CHECK(bn.impl()->trainable() == std::vector<bool>{true, true, false, false});
  CHECK(bn.impl()->param_count(true) == 4);
  CHECK(w[2].to_vector<float>() == std::vector<float>{0, 0});  // unchanged before commit
  CHECK(w[3].to_vector<float>() == std::vector<float>{1, 1});
  RefNorm r = ref_norm(x, w[0], w[1], Tensor::zeros(x.shape()), true, w[2], w[3], 1e-3);
  bn.commit();
  for (int f = 0; f < 2; ++f) {
    CHECK(w[2].at({f}) == doctest::Approx(0.9 * 0.0 + 0.1 * r.mean[f]).epsilon(1e-5));
    CHECK(w[3].at({f}) == doctest::Approx(0.9 * 1.0 + 0.1 * r.var[f]).epsilon(1e-5));
  }
  Tensor before = w[2].clone();
  bn.commit();  // nothing pending: no change
  CHECK(array_equal(before, w[2]));
  (void)bn(x, {.training = true});
  bn.discard();
  bn.commit();
  CHECK(array_equal(before, w[2]));
  (void)bn(x);  // inference records nothing
  bn.commit();
  CHECK(array_equal(before, w[2]));
  CHECK(bn.impl()->describe() == "momentum 0.9");
  CHECK(BatchNorm().impl()->describe() == "momentum 0.99");
}

TEST_CASE("BatchNorm batchnorm.features") {
  BatchNorm bn({.name = "bn_a"});
  (void)bn(Input({16, 16, 32}));
  auto e = capture([&] { (void)bn(Input({16, 16, 64})); });
  CHECK(e.code() == "batchnorm.features");
  CHECK(e.phase() == Phase::build);
  CHECK(e.site().name == "bn_a");
  CHECK(e.expected() == "(None, 16, 16, 32)");
  CHECK(e.actual() == "(None, 16, 16, 64)");
  CHECK(has(e.cause(), "built for 32 channels"));
  CHECK(has(e.fix(), "new BatchNorm"));
  auto r = capture([&] { (void)bn(Tensor::zeros({4, 10})); });
  CHECK(r.code() == "batchnorm.features");
  CHECK(r.phase() == Phase::run);
  CHECK(r.expected() == "(4, 32)");
  auto u = capture([&] { (void)BatchNorm()(Input({8, kUnknown})); });
  CHECK(u.code() == "batchnorm.features");
}

}  // TEST_SUITE
