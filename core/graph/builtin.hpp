#pragma once
// What marks a layer as one of tenet's own. Internal: this header is not installed, so only
// tenet's layer classes can derive from BuiltinLayer. Their shape rules (output_shape) are
// tenet's and are trusted when a model is built; any other layer's call is run once at build
// time to learn and check the shapes it really produces (core/graph/user_layer.hpp).
//
// Also here, what a built-in layer exchanges with the other ranks of a data-parallel fit
// (docs/distributed.md): with MpiDataParallel::sync_batch_norm, BatchNorm's training-mode
// statistics and the sums of its backward pass span the global batch. core/training's
// data-parallel fit sets the current ReplicaSums for the thread that runs it; layers read it
// and never see MPI.
#include <memory>
#include <string>
#include <vector>

#include <tenet/core/graph/layer.hpp>

namespace tenet::detail {

class BuiltinLayer {
 public:
  virtual ~BuiltinLayer() = default;
};

// True for tenet's own layers (those deriving BuiltinLayer, directly or through
// fusion::Fusable), false for a user's LayerImpl.
inline bool is_builtin(const LayerImpl& layer) {
  return dynamic_cast<const BuiltinLayer*>(&layer) != nullptr;
}

}  // namespace tenet::detail

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
