#pragma once
// train_bench --mpi: data-parallel training over MPI on this machine (benchmarks/README.md).
namespace tenet_bench {

// Alternates 1 process x 2 OpenMP threads and mpirun -np 2 x 1 thread (each a child process:
// this program with --mpi-child), `rounds` times, `steps` global batches of 64 each; prints
// images/s of both, and the share of the 2-rank step spent in the gradient allreduce; and a
// third run, 2 ranks whose gradient sum overlaps the backward pass (256 KiB buckets).
int mpi_bench(char net, int rounds, int steps);
// One child: trains `steps` batches of 64 (data-parallel when run by mpirun; overlapping the
// backward pass in buckets of `overlap_bytes` when > 0) and prints, on rank 0,
// "seconds collective_seconds allreduce_ms allreduce_ms_64k".
int mpi_child(char net, int steps, long long overlap_bytes);

}  // namespace tenet_bench
