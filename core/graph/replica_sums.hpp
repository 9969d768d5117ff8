#pragma once
// What a layer exchanges with the other ranks of a data-parallel fit (docs/distributed.md):
// with MpiDataParallel::sync_batch_norm, BatchNorm's training-mode statistics and the sums of
// its backward pass span the global batch. core/training's data-parallel fit sets the current
// ReplicaSums for the thread that runs it; layers read it and never see MPI. Internal.
#include <memory>
#include <string>
#include <vector>

namespace tenet {

class ReplicaSums {
 public:
  virtual ~ReplicaSums() = default;
  // This rank's share of the current global batch (its rows / all rows; 0 for a shard that
  // repeats a row only to take part in the step).
  virtual double share() const = 0;
  // Every rank's `mine` (the same length on every rank), rank 0's first: all ranks get the
  // same vector and combine it in the same order, so their results are bitwise equal. An
  // agreement on the step's outcome comes first: a rank that failed before is heard here.
  // `what` names the exchange in a distribution.peer error ("the statistics of batch_norm").
  virtual std::vector<double> gather(const std::vector<double>& mine, const std::string& what) = 0;
};

// The ReplicaSums of the data-parallel fit with synchronised BatchNorm statistics that runs on
// this thread, or null.
inline std::shared_ptr<ReplicaSums>& current_replica_sums() {
  thread_local std::shared_ptr<ReplicaSums> sums;
  return sums;
}

}  // namespace tenet
