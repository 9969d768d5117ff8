// The data-parallel path of fit (docs/distributed.md): the shards of each global batch, the
// start-of-fit checks and broadcast, and the agreement that makes an error on one rank the
// error of every rank. The step's collectives are in distributed_replicas.cpp.
#include "core/training/distributed.hpp"

#include <atomic>
#include <cmath>

#include "core/contracts/training_checks.hpp"

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include "core/graph/builtin.hpp"
#include "core/training/model_state.hpp"

namespace tenet::distributed {

namespace {

std::atomic<bool> g_quiet_rank{false};  // a rank other than 0 inside a data-parallel fit

// The rows [lo, hi) of global batch rows n that rank r of `size` trains on: contiguous blocks,
// rank r taking rows floor(r n / size) to floor((r + 1) n / size).
std::pair<std::int64_t, std::int64_t> shard_rows(std::int64_t n, int r, int size) {
  return {n * r / size, n * (r + 1) / size};
}

// This rank's shard of every global batch of `inner`. A training batch with fewer rows than
// ranks leaves some ranks without a row: they repeat one row with share 0 (a zero gradient),
// since every rank must take part in every step's collectives. Validation has no collective
// per batch, so there a rank without rows skips the batch.
class ShardReader : public BatchReader {
 public:
  ShardReader(BatchReader& inner, Replicas& rep, bool training)
      : inner_(inner), rep_(rep), training_(training) {}
  std::int64_t steps() const override { return inner_.steps(); }
  void start_epoch(int epoch) override {
    if (training_) rep_.epoch = epoch;
    if (!training_) {  // validation runs on the moving statistics
      rep_.set_position("the validation after epoch " + std::to_string(rep_.epoch + 1), 1.0, 0.0);
      rep_.average_statistics();
    }
    rows_ = 0;
    next_index_ = 0;
    inner_.start_epoch(epoch);
  }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    const std::string kind = training_ ? "training" : "validation";
    const std::string epoch = " of epoch " + std::to_string(rep_.epoch + 1);
    rep_.set_position("the reading of " + kind + " batch " + std::to_string(next_index_) + epoch,
                      1.0, 0.0);  // an error of the reader names the batch it was reading
    while (inner_.next(inputs, labels, index)) {
      next_index_ = index + 1;
      const std::int64_t n = inputs.empty() ? 0 : inputs[0].dim(0);
      auto [lo, hi] = shard_rows(n, rep_.rank(), rep_.size());
      if (lo == hi && !training_) continue;
      const double share = n > 0 ? static_cast<double>(hi - lo) / static_cast<double>(n) : 1.0;
      if (lo == hi && n > 0) lo = std::min(lo, n - 1), hi = lo + 1;
      rep_.set_position(kind + " batch " + std::to_string(index) + epoch + ", its rows " +
                            std::to_string(lo) + "-" + std::to_string(hi - 1) + " of " +
                            std::to_string(n),
                        share, static_cast<double>(n));
      // A batch whose arrays disagree in length goes on whole: the model's checks name it.
      bool whole = n == 0 || (labels.defined() && labels.dim(0) != n);
      for (const Tensor& x : inputs) whole = whole || x.dim(0) != n;
      if (!whole) {
        for (Tensor& x : inputs) x = slice(x, 0, lo, hi);
        if (labels.defined()) labels = slice(labels, 0, lo, hi);
      }
      rows_ += share > 0 ? static_cast<double>(inputs[0].dim(0)) : 0.0;
      return true;
    }
    return false;
  }
  double rows() const { return rows_; }  // this epoch's rows that count (share > 0)

 private:
  BatchReader& inner_;
  Replicas& rep_;
  bool training_;
  double rows_ = 0;
  std::int64_t next_index_ = 0;
};

// First among the callbacks: at each epoch's end the moving statistics are averaged, so that
// ModelCheckpoint (rank 0) saves, and every rank holds, the same variables.
class AverageStatistics : public CallbackImpl {
 public:
  explicit AverageStatistics(Replicas& rep) : rep_(rep) {}
  void on_epoch_end(Model&, int epoch, Logs&) override {
    rep_.set_position("the end of epoch " + std::to_string(epoch + 1), 1.0, 0.0);
    rep_.average_statistics();
  }

 private:
  Replicas& rep_;
};

// BatchNorm's exchanges with synchronised statistics (core/graph/builtin.hpp).
class SyncSums : public ReplicaSums {
 public:
  explicit SyncSums(Replicas& rep) : rep_(&rep) {}
  double share() const override { return replicas().share(); }
  std::vector<double> gather(const std::vector<double>& mine, const std::string& what) override {
    return replicas().gather(mine, what);
  }
  void detach() { rep_ = nullptr; }

 private:
  Replicas& replicas() const {
    if (!rep_) internal_error("a BatchNorm exchange after the data-parallel fit ended");
    return *rep_;
  }
  Replicas* rep_;
};

// Sets the model's Replicas (and, with sync_batch_norm, this thread's ReplicaSums) for the
// duration of the fit.
class Scope {
 public:
  Scope(Model::State& s, Replicas& rep, bool sync_batch_norm) : s_(s) {
    s_.replicas = &rep;
    g_quiet_rank = rep.rank() != 0;
    if (sync_batch_norm) current_replica_sums() = sums_ = std::make_shared<SyncSums>(rep);
  }
  ~Scope() {
    s_.replicas = nullptr;
    g_quiet_rank = false;
    if (sums_) sums_->detach(), current_replica_sums().reset();
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Model::State& s_;
  std::shared_ptr<SyncSums> sums_;
};

}  // namespace

bool writes_files() { return !g_quiet_rank; }

Logs reduce_validation(Model::State& s, BatchReader& validation, const Logs& local) {
  auto* shard = dynamic_cast<ShardReader*>(&validation);
  if (!s.replicas || !shard) return local;
  return s.replicas->reduce_validation(local, shard->rows());
}

MetricTally& summed(Model::State& s, MetricTally& tally) {
  if (s.replicas) s.replicas->sum_counts(tally);
  return tally;
}

// The options a Replicas waits with at the start of fit, even when this rank's are invalid
// (their error is then the one every rank raises).
static MpiDataParallel usable(const MpiDataParallel& d) {
  MpiDataParallel u = d;
  if (!(d.timeout_seconds > 0 && std::isfinite(d.timeout_seconds)))
    u.timeout_seconds = MpiDataParallel{}.timeout_seconds;
  return u;
}

void fail_at_start(Model& m, const FitOptions& o, std::exception_ptr error) {
  if (!o.distribution || !mpi::built() || mpi::size() == 1) std::rethrow_exception(error);
  Replicas rep(usable(*o.distribution), m, call_site(*model_state(m), "fit"));
  rep.fail(error);  // at "the start of fit", where the other ranks agree
}

History fit(Model& m, BatchReader& train, BatchReader* validation, const FitOptions& o,
            std::source_location loc) {
  Model::State& s = *model_state(m);
  const Site where = call_site(s, "fit");
  const MpiDataParallel& d = *o.distribution;
  std::exception_ptr error;  // fit's checks failed on this rank
  try {
    checks::check_compiled(s.is_compiled, "fit", s.site);
    check_trainable_since_compile(s, "fit");
    checks::check_option_above("MpiDataParallel::timeout_seconds", d.timeout_seconds, 0.0, where,
                               Phase::run, "a collective must be allowed to wait");
    checks::check_option_positive("MpiDataParallel::bucket_bytes", d.bucket_bytes,
                                  "the bytes summed per MPI_Iallreduce", where, Phase::run);
    check_fit_options(o, where);
    check_batch_counts(train, validation, where);
  } catch (...) {
    if (mpi::size() == 1) throw;  // one process (or no MPI): raised as in a plain fit
    error = std::current_exception();
  }
  if (!mpi::built()) checks::distribution_unavailable(where);
  FitOptions local = o;
  local.distribution.reset();
  if (mpi::size() == 1) return m.fit_source(train, validation, local, loc);  // no mpirun, or -np 1

  Replicas rep(usable(d), m, where);
  if (error) rep.fail(error);
  rep.agree();  // the start of fit: every rank passed its checks (fail_at_start meets it here)
  rep.check_same(train.steps(), validation ? validation->steps() : 0);
  rep.broadcast_state();
  ShardReader shard_train(train, rep, true);
  std::unique_ptr<ShardReader> shard_validation;
  if (validation) shard_validation = std::make_unique<ShardReader>(*validation, rep, false);
  if (rep.rank() != 0) local.verbose = 0;  // one progress bar, rank 0's
  local.callbacks.insert(local.callbacks.begin(), Callback(std::make_shared<AverageStatistics>(rep)));
  Scope scope(s, rep, d.sync_batch_norm);
  try {
    History h = m.fit_source(shard_train, shard_validation.get(), local, loc);
    rep.set_position("the end of fit", 1.0, 0.0);
    rep.agree();  // a rank that failed after the last collective is heard here
    return h;
  } catch (...) {
    rep.fail(std::current_exception());
  }
}

}  // namespace tenet::distributed
