// MpiDataParallel::overlap_backward on 2 ranks: each bucket's sum starts during the backward
// pass, as soon as its gradients are final. Two ranks add the same two numbers per element
// either way, so the weights are bitwise those of the sum after the backward pass.
#include <doctest/doctest.h>

#include "distributed/distributed_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using namespace tenet::testing;

namespace {

FitOptions options(bool overlap, std::int64_t bucket_bytes) {
  FitOptions o{.epochs = 2, .batch_size = 64, .shuffle = true, .seed = 5, .verbose = 0};
  o.distribution = MpiDataParallel{.timeout_seconds = 60, .bucket_bytes = bucket_bytes,
                                   .sync_batch_norm = true, .overlap_backward = overlap};
  return o;
}

}  // namespace

TEST_SUITE("distributed") {

TEST_CASE("overlap_backward: buckets summed during backward give bitwise the same weights") {
  auto [x, y] = toy_data();
  // 1 KiB buckets: Dense(12, 32)'s kernel alone fills one, so several buckets are in flight
  // while the backward pass (with BatchNorm's own exchanges) goes on.
  Model after = toy_model(9, true), during = toy_model(9, true), one_bucket = toy_model(9, true);
  History ha = after.fit(x, y, options(false, 1024));
  History hd = during.fit(x, y, options(true, 1024));
  one_bucket.fit(x, y, options(true, 4 << 20));
  CHECK(flat_weights(during) == flat_weights(after));
  CHECK(flat_weights(one_bucket) == flat_weights(after));
  CHECK(hd["loss"] == ha["loss"]);
  CHECK(same_on_every_rank(flat_weights(during)));
}

TEST_CASE("overlap_backward: a bad batch on rank 1 raises its error on both ranks") {
  auto [x, y] = toy_data(256);
  Model m = toy_model(5, true);
  Batches source(x, y, 64, [](std::int64_t index, Tensor& labels) {
    if (index != 2 || distributed::rank() != 1) return;
    std::vector<std::int32_t> v = labels.to_vector<std::int32_t>();
    v[40] = 99;
    labels = Tensor::from_vector(v, labels.shape());
  });
  const ContractError e = capture([&] { m.fit_source(source, nullptr, options(true, 1024)); });
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "on rank 1 of 2, training batch 2 of epoch 1, its rows 32-63 of 64"));
  CHECK(same_on_every_rank(std::string(e.what())));
  // The next fit starts clean: nothing of the failed step is left in flight.
  Model n = toy_model(5, true);
  n.fit(x, y, options(true, 1024));
  CHECK(same_on_every_rank(flat_weights(n)));
}

}  // TEST_SUITE
