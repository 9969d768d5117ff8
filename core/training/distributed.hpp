#pragma once
// Data-parallel fit over MPI (docs/distributed.md). Internal: the public side is
// <tenet/core/training/distribution.hpp>. Three files:
//   distributed_mpi.cpp       the transport: MPI collectives that wait with a deadline;
//   distributed_replicas.cpp  Replicas: agreement on each step's outcome, gradient and log sums,
//                             the start-of-fit checks and broadcast;
//   distributed.cpp           fit's data-parallel path: the shards of each global batch.
#include <cstdint>
#include <exception>
#include <source_location>
#include <string>
#include <vector>

#include <tenet/core/training/model.hpp>
#include "core/training/metric_tally.hpp"

namespace tenet::distributed {

namespace mpi {
// What a collective is for ("the gradient sum of training batch 3"), how long it may wait, and
// where its errors point. A collective that waits longer, or that MPI reports failed, raises
// distribution.peer and leaves the transport broken: no further collective, no MPI_Finalize.
struct Wait {
  std::string at;
  double seconds;
  Site where;
};
bool built();     // TENET_MPI
bool launched();  // started by mpirun / mpiexec (their environment variables are set)
int rank();       // initialises MPI on the first call when launched; 0 otherwise
int size();       // 1 when not launched
bool broken();
void all_gather(const void* mine, void* all, std::size_t bytes, const Wait& w);
void broadcast(void* data, std::size_t bytes, int root, const Wait& w);
// In-place sums across ranks, `bucket_bytes` per MPI_Iallreduce, all buckets in flight at once.
void sum(float* data, std::size_t n, std::size_t bucket_bytes, const Wait& w);
void sum(double* data, std::size_t n, const Wait& w);
}  // namespace mpi

// One rank's part in a data-parallel fit. Every group of collectives starts with an agreement
// (all ranks exchange "ok" or "failed"), so a rank that fails anywhere meets the others at
// their next agreement, and every rank raises the failing rank's error.
class Replicas {
 public:
  Replicas(const MpiDataParallel& options, Model& m, Site where);
  int rank() const { return rank_; }
  int size() const { return size_; }

  // Where this rank is, for messages ("training batch 3 of epoch 1, its rows 32-63 of 64"),
  // and its share of the current global batch (rows / global rows; 0 for a padding shard).
  void set_position(std::string at, double share, double global_rows);
  // fit weighs each step's logs by it, not by the shard's rows: History is the same everywhere.
  double global_rows() const { return global_rows_; }
  double share() const { return share_; }
  int epoch = 0;  // the training epoch (0-based), for the positions of validation batches
  // All ranks reached this point without error; otherwise raises the failing rank's error.
  void agree();
  // This rank failed: meets the others at their agreement and raises the agreed error (its
  // own, or a lower rank's). Rethrows unchanged when the error was already agreed.
  [[noreturn]] void fail(std::exception_ptr error);

  // After backward: agree, then sum the gradients and the logs weighted by each rank's share.
  // False when the summed loss is not finite and `guard_nan` (the step is then skipped).
  bool reduce_step(const std::vector<Tensor>& trainable, Logs& logs, bool guard_nan);
  // The validation logs of all ranks, weighted by their sample counts.
  Logs reduce_validation(const Logs& local, double count);
  // Averages the variables outside the gradient (BatchNorm's moving statistics) across ranks.
  void average_statistics();
  void sum_counts(MetricTally& tally);
  // Agree, then every rank's `mine` (the same length everywhere), rank 0's first.
  std::vector<double> gather(const std::vector<double>& mine, const std::string& what);
  // Start of fit: the same model and batch counts everywhere (distribution.mismatch), then
  // rank 0's weights and optimizer state on every rank.
  void check_same(std::int64_t train_steps, std::int64_t validation_steps);
  void broadcast_state();

 private:
  mpi::Wait wait(const std::string& what) const;
  void exchange(const std::exception_ptr* error);

  MpiDataParallel options_;
  Model& m_;
  Site where_;
  int rank_ = 0, size_ = 1;
  std::string at_ = "the start of fit";
  double share_ = 1, global_rows_ = 0;
  bool agreed_ = false;  // the error in flight is the agreed one
};

// An error of fit's checks before its data-parallel part (of the arrays, the options, the
// model's compilation) on this rank: during a data-parallel fit it meets the other ranks at the
// start of fit's agreement, so that every rank raises it, naming this rank; otherwise it is
// rethrown as it is.
[[noreturn]] void fail_at_start(Model& m, const FitOptions& o, std::exception_ptr error);
// Runs fit's checks and preparation `prepare`, passing its error to fail_at_start.
template <class F>
auto checked_at_start(Model& m, const FitOptions& o, F&& prepare) -> decltype(prepare()) {
  try {
    return prepare();
  } catch (...) {
    fail_at_start(m, o, std::current_exception());
  }
}

// Model::fit_source with options.distribution set.
History fit(Model& m, BatchReader& train, BatchReader* validation, const FitOptions& o,
            std::source_location loc);
// fit's validation logs: during a data-parallel fit, those of all ranks (`validation` is the
// fit's validation source); otherwise `local` unchanged.
Logs reduce_validation(Model::State& s, BatchReader& validation, const Logs& local);
// Seconds this process spent in the steps' agreements and sums (waiting for slower ranks
// included), since it started: train_bench --mpi reads it for the allreduce share.
double collective_seconds();
// The epoch's metric counts of all ranks, summed into `tally` during a data-parallel fit (else
// `tally` unchanged); returns it.
MetricTally& summed(Model::State& s, MetricTally& tally);
// False on ranks other than 0 while a data-parallel fit runs: callbacks then write no file.
bool writes_files();

}  // namespace tenet::distributed
