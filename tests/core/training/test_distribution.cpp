// Suite "core/training": FitOptions::distribution in one process (the 2-rank runs are in
// tests/distributed, under mpirun): refused without MPI, a plain fit when not started by
// mpirun, its options checked, and the message of distribution.unavailable.
#include <doctest/doctest.h>

#include "core/training/distributed.hpp"
#include "support/small_sgd_model.hpp"
#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;
using tenet::testing::small_model;

namespace {
std::pair<Tensor, Tensor> arrays() {
  return {Tensor::uniform({40, 4}, 1), Tensor::uniform({40, 3}, 2)};
}
}  // namespace

TEST_SUITE("core/training") {

TEST_CASE("distribution: without mpirun a process is rank 0 of 1 and MPI stays uninitialised") {
  CHECK(distributed::rank() == 0);
  CHECK(distributed::size() == 1);
  CHECK_FALSE(distributed::mpi::launched());  // ctest runs this binary alone
}

TEST_CASE("distribution: MpiDataParallel without mpirun trains as a plain fit, or is refused without MPI") {
  auto [x, y] = arrays();
  Model plain = small_model(), parallel = small_model();
  FitOptions o{.epochs = 2, .batch_size = 8, .verbose = 0};
  plain.fit(x, y, o);
  o.distribution = MpiDataParallel{};
  if (distributed::built_with_mpi()) {
    parallel.fit(x, y, o);  // one rank: nothing to share
    CHECK(tenet::testing::bitwise_equal(parallel.weights(), plain.weights()));
  } else {
    const ContractError e = capture([&] { parallel.fit(x, y, o); });
    CHECK(e.code() == "distribution.unavailable");
  }
}

TEST_CASE("distribution: MpiDataParallel's options are checked before anything runs") {
  auto [x, y] = arrays();
  Model m = small_model();
  const std::vector<Tensor> before = tenet::testing::clones(m.weights());
  FitOptions o{.verbose = 0};
  o.distribution = MpiDataParallel{.timeout_seconds = 0};
  ContractError e = capture([&] { m.fit(x, y, o); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "MpiDataParallel::timeout_seconds"));
  o.distribution = MpiDataParallel{.bucket_bytes = 0};
  e = capture([&] { m.fit(x, y, o); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "MpiDataParallel::bucket_bytes"));
  CHECK(tenet::testing::bitwise_equal(m.weights(), before));
}

TEST_CASE("distribution: distribution.unavailable says how to get MPI or how to do without") {
  const ContractError e = capture([] { checks::distribution_unavailable(Site("model", "Model")); });
  CHECK(e.code() == "distribution.unavailable");
  CHECK(mentions(e, "built without MPI"));
  CHECK(mentions(e, "apt-get install libopenmpi-dev openmpi-bin"));
  CHECK(mentions(e, "mpirun -np N"));
  CHECK(mentions(e, "drop .distribution"));
}

}  // TEST_SUITE
