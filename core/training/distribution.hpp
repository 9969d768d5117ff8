#pragma once
// Data-parallel training over MPI (docs/distributed.md): FitOptions::distribution =
// MpiDataParallel{} trains one model on every rank that mpirun starts, each rank taking its
// share of every global batch, the gradients averaged across ranks before each identical
// optimizer step. The option exists in every build; asking for it in a build without MPI
// (TENET_MPI off) raises distribution.unavailable. No MPI header reaches this file.
#include <cstdint>

namespace tenet {

struct MpiDataParallel {
  // Every collective waits at most this long for the other ranks; then this rank raises
  // distribution.peer (a rank stopped, hangs or died) instead of waiting for ever.
  double timeout_seconds = 300;
  // Gradients are summed in buckets of this many bytes, several in flight at once.
  std::int64_t bucket_bytes = 4 << 20;
  // BatchNorm in training: false, each rank normalises its shard with the shard's statistics
  // (per replica, as Keras's MirroredStrategy); true, with the global batch's statistics, as
  // one process would (two more exchanges per BatchNorm layer and step).
  bool sync_batch_norm = false;
};

namespace distributed {
// True when tenet was built with MPI (the CMake component TENET_MPI).
bool built_with_mpi();
// This process's rank and the number of ranks when it was started by mpirun or mpiexec (MPI is
// then initialised on the first call, and finalised at exit); 0 and 1 otherwise.
int rank();
int size();
}  // namespace distributed

}  // namespace tenet
