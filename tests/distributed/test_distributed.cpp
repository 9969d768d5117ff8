// The data-parallel fit on 2 ranks (run by ctest as mpirun -np 2, OMP_NUM_THREADS=1 each):
// equivalence with 1 rank, bitwise repeatability, identical state on every rank, and errors
// raised on every rank. Every test case runs on both ranks, in the same order.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "distributed/distributed_util.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using namespace tenet::testing;

namespace {

// The stated tolerance of the 1-rank equivalence (docs/distributed.md): the 2 ranks sum their
// halves of each gradient in another order than one rank does, so the weights drift apart by
// rounding only: every weight within 1e-5 + 1e-4 * |weight| after 2 epochs of 5 steps.
constexpr double kRtol = 1e-4, kAtol = 1e-5;

bool close(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= kAtol + kRtol * std::fabs(b[i]))) return false;
  return true;
}

FitOptions options(bool distributed, std::int64_t batch = 64) {
  FitOptions o{.epochs = 2, .batch_size = batch, .shuffle = true, .seed = 5, .verbose = 0};
  if (distributed) o.distribution = MpiDataParallel{.timeout_seconds = 60};
  return o;
}

}  // namespace

TEST_SUITE("distributed") {

TEST_CASE("the job has 2 ranks") { REQUIRE(distributed::size() == 2); }

TEST_CASE("2 ranks x global batch 64 give the weights and History of 1 rank with batch 64") {
  auto [x, y] = toy_data();
  Model one = toy_model(7);
  History h1 = one.fit(x, y, options(false));
  // Rank 1 starts from other weights: fit broadcasts rank 0's before the first step.
  Model two = toy_model(distributed::rank() == 0 ? 7 : 8);
  History h2 = two.fit(x, y, options(true));
  CHECK(close(flat_weights(two), flat_weights(one)));
  CHECK(same_on_every_rank(flat_weights(two)));
  for (const char* key : {"loss", "accuracy"})
    for (std::size_t e = 0; e < 2; ++e) CHECK(h2[key][e] == doctest::Approx(h1[key][e]).epsilon(1e-5));
  CHECK(same_on_every_rank(std::to_string(h2["loss"][1]) + std::to_string(h2["accuracy"][1])));
}

TEST_CASE("uneven shards, validation, and a batch smaller than the ranks match 1 rank too") {
  auto [x, y] = toy_data(193);
  FitOptions a = options(false, 64), b = options(true, 64);
  a.validation_split = b.validation_split = 0.2;  // 154 training rows: 64, 64, 26 (13 + 13);
                                                  // 39 validation rows: 19 + 20
  Model one = toy_model(3), two = toy_model(3);
  History h1 = one.fit(x, y, a), h2 = two.fit(x, y, b);
  CHECK(close(flat_weights(two), flat_weights(one)));
  CHECK(h2["val_loss"][1] == doctest::Approx(h1["val_loss"][1]).epsilon(1e-5));
  CHECK(h2["val_accuracy"][1] == doctest::Approx(h1["val_accuracy"][1]).epsilon(1e-5));
  CHECK(same_on_every_rank(flat_weights(two)));
  auto [x1, y1] = toy_data(1);  // 1 row: rank 1 trains on it, rank 0 repeats it with share 0
  Model three = toy_model(3), four = toy_model(3);
  three.fit(x1, y1, options(false, 64));
  four.fit(x1, y1, options(true, 64));
  CHECK(close(flat_weights(four), flat_weights(three)));
}

TEST_CASE("two identical 2-rank runs are bitwise equal") {
  auto [x, y] = toy_data();
  Model a = toy_model(11, true), b = toy_model(11, true);
  History ha = a.fit(x, y, options(true));
  History hb = b.fit(x, y, options(true));
  CHECK(flat_weights(a) == flat_weights(b));
  CHECK(ha["loss"] == hb["loss"]);
  // Per-replica BatchNorm statistics, averaged at each epoch's end: the same on both ranks.
  CHECK(same_on_every_rank(flat_weights(a)));
}

TEST_CASE("a bad batch on rank 1 raises the same ContractError on both ranks, naming rank and batch") {
  auto [x, y] = toy_data(256);
  Model m = toy_model(5);
  // Global batch 2 (rows 128-191) holds label 99 in row 40, which lies in rank 1's shard (its
  // rows 32-63), on rank 1 only: rank 1 fails inside the step, rank 0 succeeds.
  Batches source = bad_label_on_rank_1(x, y);
  std::vector<float> after_two;
  FitOptions o = options(true);
  o.callbacks = {weights_after_batch_1(after_two)};
  const ContractError e = capture([&] { m.fit_source(source, nullptr, o); });
  CHECK(e.code() == "loss.label_range");
  CHECK(mentions(e, "on rank 1 of 2, training batch 2 of epoch 1, its rows 32-63 of 64"));
  CHECK(mentions(e, "99"));
  CHECK(same_on_every_rank(std::string(e.what())));
  // The failing step changed nothing, on either rank.
  CHECK(flat_weights(m) == after_two);
  CHECK(same_on_every_rank(flat_weights(m)));
}

TEST_CASE("another error on rank 1 stops rank 0 with distribution.rank_failed") {
  auto [x, y] = toy_data(256);
  Model m = toy_model(5);
  Batches source(x, y, 64, [](std::int64_t index, Tensor&) {
    if (index == 1 && distributed::rank() == 1) throw IOError("disk on fire (injected)");
  });
  if (distributed::rank() == 1) {
    CHECK_THROWS_WITH_AS(m.fit_source(source, nullptr, options(true)), "disk on fire (injected)",
                         IOError);
  } else {
    const ContractError e = capture([&] { m.fit_source(source, nullptr, options(true)); });
    CHECK(e.code() == "distribution.rank_failed");
    CHECK(mentions(e, "rank 1 of 2 stopped at the reading of training batch 1 of epoch 1"));
    CHECK(mentions(e, "disk on fire (injected)"));
  }
}

TEST_CASE("different models on the ranks are refused at the start with distribution.mismatch") {
  auto [x, y] = toy_data(128);
  Model m = toy_model(5, false, distributed::rank() == 0 ? 32 : 33);
  const std::vector<float> before = flat_weights(m);
  const ContractError e = capture([&] { m.fit(x, y, options(true)); });
  CHECK(e.code() == "distribution.mismatch");
  CHECK(mentions(e, "rank 0: 4 variables, 746 parameters"));
  CHECK(mentions(e, "rank 1: 4 variables, 769 parameters"));
  CHECK(flat_weights(m) == before);
  auto [x2, y2] = toy_data(distributed::rank() == 0 ? 128 : 192);
  Model same = toy_model(5);
  const ContractError d = capture([&] { same.fit(x2, y2, options(true)); });
  CHECK(d.code() == "distribution.mismatch");
  CHECK(mentions(d, "rank 1: 3 training and 0 validation batches per epoch"));
}

TEST_CASE("a check of fit failing on rank 1 alone is raised on both ranks, naming rank 1") {
  // Before the data-parallel part of fit: the other rank used to wait for timeout_seconds
  // and raise distribution.peer; now both ranks raise rank 1's error at the start of fit.
  auto [x, y] = toy_data(128);
  Model m = toy_model(5);
  const std::vector<float> before = flat_weights(m);
  const Tensor xr = distributed::rank() == 1 ? slice(x, 1, 0, 11) : x;  // 11 features, not 12
  const ContractError e = capture([&] { m.fit(xr, y, options(true)); });
  CHECK(e.code() == "input.shape");
  CHECK(mentions(e, "on rank 1 of 2, the start of fit: "));
  CHECK(same_on_every_rank(std::string(e.what())));
  FitOptions o = options(true);
  if (distributed::rank() == 1) o.batch_size = 0;
  const ContractError f = capture([&] { m.fit(x, y, o); });
  CHECK(f.code() == "options.invalid");
  CHECK(mentions(f, "on rank 1 of 2, the start of fit: "));
  CHECK(mentions(f, "FitOptions::batch_size"));
  CHECK(same_on_every_rank(std::string(f.what())));
  // Both ranks fail (rank 0: its own timeout is invalid): the lowest rank's error wins.
  FitOptions t = options(true);
  if (distributed::rank() == 0) t.distribution->timeout_seconds = -1;
  else t.batch_size = 0;
  Batches source(x, y, 64, [](std::int64_t, Tensor&) {});
  const ContractError g = capture([&] { m.fit_source(source, nullptr, t); });
  CHECK(g.code() == "options.invalid");
  CHECK(mentions(g, "on rank 0 of 2, the start of fit: "));
  CHECK(mentions(g, "MpiDataParallel::timeout_seconds"));
  CHECK(flat_weights(m) == before);
}

TEST_CASE("rank 0 alone writes checkpoints and CSV logs") {
  auto [x, y] = toy_data(128);
  TempDir dir;
  const auto ckpt = dir.path / "best.weights.h5", csv = dir.path / "log.csv";
  FitOptions o = options(true);
  o.callbacks = {ModelCheckpoint(ckpt.string()), CSVLogger(csv.string())};
  Model m = toy_model(5);
  m.fit(x, y, o);
  const bool rank0 = distributed::rank() == 0;  // each rank has its own TempDir
  CHECK(std::filesystem::exists(ckpt) == rank0);
  CHECK(std::filesystem::exists(csv) == rank0);
  if (rank0) {
    Model loaded = toy_model(99);
    loaded.load_weights(ckpt.string());
    CHECK(flat_weights(loaded) == flat_weights(m));
  }
}

}  // TEST_SUITE
