#pragma once
// train_bench --mpi: data-parallel training over MPI on this machine (benchmarks/README.md).
namespace tenet_bench {

// Alternates 1 process x 2 OpenMP threads and mpirun -np 2 x 1 thread (each a child process:
// this program with --mpi-child), `rounds` times, `steps` global batches of 64 each; prints
// images/s of both, and the share of the 2-rank step spent in the gradient allreduce; then
// 2 ranks again with synchronised BatchNorm statistics (net B has BatchNorm, A and C do not).
int mpi_bench(char net, int rounds, int steps);
// One child: trains `steps` batches of 64 (data-parallel when run by mpirun, with
// MpiDataParallel::sync_batch_norm when `sync`) and prints, on rank 0,
// "seconds collective_seconds allreduce_ms allreduce_ms_64k".
int mpi_child(char net, int steps, bool sync);

}  // namespace tenet_bench
