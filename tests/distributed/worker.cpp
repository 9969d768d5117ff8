// distributed_worker: a data-parallel fit on 2 ranks in which rank 1 disappears at its third
// training step, for tests/distributed/lost_rank.cmake.
//   distributed_worker killed    rank 1 sends itself SIGKILL (a crash, the OOM killer)
//   distributed_worker stopped   rank 1 sends itself SIGSTOP (a hang: alive, never answering)
// Rank 0 prints the error that ends its fit and exits with status 3.
#include <signal.h>

#include <cstdio>
#include <cstring>

#include <tenet/tenet.hpp>

#include "distributed/distributed_util.hpp"

using namespace tenet;

int main(int argc, char** argv) {
  const bool kill = argc > 1 && std::strcmp(argv[1], "killed") == 0;
  auto [x, y] = testing::toy_data(640);
  Model m = testing::toy_model(1);
  FitOptions o{.epochs = 1, .batch_size = 64, .verbose = 0};
  o.distribution = MpiDataParallel{.timeout_seconds = 5};
  o.callbacks = {LambdaCallback({.on_batch_end = [&](Model&, int batch, Logs&) {
    if (batch == 2 && distributed::rank() == 1) ::raise(kill ? SIGKILL : SIGSTOP);
  }})};
  try {
    m.fit(x, y, o);
  } catch (const Error& e) {
    std::printf("rank %d: %s\n", distributed::rank(), e.what());
    std::fflush(stdout);
    return 3;
  }
  std::printf("rank %d: fit ended without error\n", distributed::rank());
  return 0;
}
