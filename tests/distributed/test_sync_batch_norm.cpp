// Synchronised BatchNorm statistics on 2 ranks (MpiDataParallel::sync_batch_norm,
// docs/distributed.md): with them, 2 ranks x 32 rows train as 1 rank with batch 64, moving
// statistics included; with the default per-replica statistics they measurably do not.
#include <doctest/doctest.h>

#include <cmath>

#include "distributed/distributed_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using namespace tenet::testing;

namespace {

// The stated tolerance with synchronised statistics (docs/distributed.md): every weight and
// moving statistic within 1e-5 + 1e-4 |w| of 1 rank's after 2 epochs.
constexpr double kRtol = 1e-4, kAtol = 1e-5;

// The largest |a - b| / (kAtol + kRtol |b|): at most 1 when a and b are close.
double distance(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 1e30;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / (kAtol + kRtol * std::fabs(b[i])));
  return worst;
}

FitOptions options(bool distributed, bool sync, std::int64_t batch = 64) {
  FitOptions o{.epochs = 2, .batch_size = batch, .shuffle = true, .seed = 5, .verbose = 0};
  if (distributed) o.distribution = MpiDataParallel{.timeout_seconds = 60, .sync_batch_norm = sync};
  return o;
}

// n images (6, 6, 3), 10 classes, the same on every rank.
std::pair<Tensor, Tensor> toy_images(std::int64_t n) {
  auto [x, y] = toy_data(n, 108);
  return {x.reshape({n, 6, 6, 3}), y};
}

// Conv2D -> BatchNorm -> ReLU (fused into the normalisation) -> Flatten -> Dense.
Model image_model(std::uint64_t seed) {
  set_random_seed(seed);
  auto in = Input({6, 6, 3});
  auto h = ReLU()(BatchNorm()(Conv2D(8, {3, 3})(in)));
  Model m(in, Dense(10)(Flatten()(h)));
  m.compile({.optimizer = SGD({.learning_rate = 0.1, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
  return m;
}

}  // namespace

TEST_SUITE("distributed") {

TEST_CASE("sync_batch_norm: 2 ranks x 32 give the weights and moving statistics of 1 rank x 64") {
  auto [x, y] = toy_data();
  Model one = toy_model(7, true);
  History h1 = one.fit(x, y, options(false, false));
  Model synced = toy_model(7, true), replica = toy_model(7, true);
  History h2 = synced.fit(x, y, options(true, true));
  replica.fit(x, y, options(true, false));
  // flat_weights: gamma, beta, moving mean and moving variance included.
  const double d_sync = distance(flat_weights(synced), flat_weights(one));
  const double d_replica = distance(flat_weights(replica), flat_weights(one));
  MESSAGE("sync " << d_sync << ", per replica " << d_replica);
  CHECK(d_sync <= 1.0);
  CHECK(d_replica > 100.0);  // per-replica statistics: a different training, measurably
  CHECK(same_on_every_rank(flat_weights(synced)));
  CHECK(h2["loss"][1] == doctest::Approx(h1["loss"][1]).epsilon(1e-5));
}

TEST_CASE("sync_batch_norm: uneven shards and BatchNorm+ReLU on images match 1 rank") {
  auto [x, y] = toy_images(150);  // batches of 63, 63, 24 rows: shards of 31 and 32, 12 and 12
  Model one = image_model(4), synced = image_model(4);
  one.fit(x, y, options(false, false, 63));
  synced.fit(x, y, options(true, true, 63));
  const double d = distance(flat_weights(synced), flat_weights(one));
  MESSAGE("sync " << d);
  CHECK(d <= 1.0);
  CHECK(same_on_every_rank(flat_weights(synced)));
  auto [x1, y1] = toy_images(1);  // 1 row: rank 0 repeats it with share 0 and counts no row
  Model three = image_model(4), four = image_model(4);
  three.fit(x1, y1, options(false, false));
  four.fit(x1, y1, options(true, true));
  CHECK(distance(flat_weights(four), flat_weights(three)) <= 1.0);
}

TEST_CASE("sync_batch_norm: a bad batch on rank 1 raises its error on both ranks") {
  // Rank 1 fails in the loss, after the BatchNorm statistics; rank 0 goes on to BatchNorm's
  // exchange in backward, where it meets rank 1's error.
  auto [x, y] = toy_data(256);
  Model m = toy_model(5, true);
  Batches source = bad_label_on_rank_1(x, y);
  std::vector<float> after_two;
  FitOptions o = options(true, true);
  o.callbacks = {weights_after_batch_1(after_two)};
  const ContractError e = capture([&] { m.fit_source(source, nullptr, o); });
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "on rank 1 of 2, training batch 2 of epoch 1, its rows 32-63 of 64"));
  CHECK(same_on_every_rank(std::string(e.what())));
  CHECK(flat_weights(m) == after_two);  // moving statistics included: nothing committed
}

}  // TEST_SUITE
