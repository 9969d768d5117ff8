// BatchNorm's statistics between commits: training-mode calls that nothing commits (a
// Model::call loop, Monte-Carlo dropout) hold bounded memory, and a commit still applies every
// call's update in order.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

using namespace tenet;

namespace {

double rss_mib() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

}  // namespace

TEST_SUITE("layers") {

#if defined(__SANITIZE_ADDRESS__)
// ASan's quarantine keeps freed memory resident: the RSS bound below says nothing there.
TEST_CASE("BatchNorm: training-mode calls never committed hold bounded memory" * doctest::skip()) {
#else
TEST_CASE("BatchNorm: training-mode calls never committed hold bounded memory") {
#endif
  auto in = Input({1024});
  Model m(in, Dense(4, {.seed = 1})(BatchNorm()(in)));
  const Tensor x = Tensor::randn({2, 1024}, 1);
  for (int i = 0; i < 100; ++i) (void)m.call({x}, {.training = true});  // warm-up
  const double before = rss_mib();
  for (int i = 0; i < 6000; ++i) (void)m.call({x}, {.training = true});
  // Each call kept its mean and variance (8 KiB here) until a commit that never came: 47 MiB.
  CHECK(rss_mib() - before < 16.0);
}

TEST_CASE("BatchNorm: a commit applies every call's update in order, past the 16 kept apart") {
  for (const int calls : {1, 16, 17, 40}) {
    CAPTURE(calls);
    BatchNorm bn({.momentum = 0.9});
    std::vector<double> mean(3, 0.0), var(3, 1.0);  // Keras's update, call by call, in double
    for (int c = 0; c < calls; ++c) {
      const Tensor x = Tensor::randn({5, 3}, static_cast<std::uint64_t>(c + 1), 2.0, 3.0);
      (void)bn(x, {.training = true});
      for (int f = 0; f < 3; ++f) {
        double s = 0, s2 = 0;
        for (int r = 0; r < 5; ++r) s += x.at({r, f});
        for (int r = 0; r < 5; ++r) s2 += (x.at({r, f}) - s / 5) * (x.at({r, f}) - s / 5);
        mean[f] = mean[f] * 0.9 + s / 5 * 0.1;
        var[f] = var[f] * 0.9 + s2 / 5 * 0.1;  // the batch's own (biased) variance, as Keras
      }
    }
    bn.commit();
    for (int f = 0; f < 3; ++f) {
      CHECK(bn.weights()[2].at({f}) == doctest::Approx(mean[f]).epsilon(1e-5));
      CHECK(bn.weights()[3].at({f}) == doctest::Approx(var[f]).epsilon(1e-5));
    }
    bn.commit();  // nothing pending: unchanged
    CHECK(bn.weights()[2].at({0}) == doctest::Approx(mean[0]).epsilon(1e-5));
  }
}

TEST_CASE("BatchNorm: commit and discard of a layer never called do nothing") {
  BatchNorm bn;
  bn.commit();  // "the Tensor whose dtype() was called = an empty Tensor" before
  bn.discard();
  (void)bn(Tensor::ones({2, 3}), {.training = true});
  bn.commit();
  CHECK(bn.weights()[2].at({0}) == doctest::Approx(0.01));  // moving mean 0 -> 0.01 * 1
}

}  // TEST_SUITE
