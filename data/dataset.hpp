#pragma once
// data::Dataset: a pipeline of samples -> batches, iterated one epoch at a time, with the next
// batch prepared on a background thread while the caller uses the current one. Every batch is
// checked as it arrives (batch.mismatch, batch.empty, ...), with its index in the message.
//
//   auto ds = data::Dataset::from_tensors({x}, y).shuffle(1).batch(64);
//   for (const data::Batch& b : ds) { ... b.inputs[0] ... b.labels ... }   // one epoch
//
// Datasets are values: copying one is cheap and shares its data; every transform returns a
// new Dataset and leaves the original unchanged.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <utility>
#include <vector>

#include <tenet/core/tensor/tensor.hpp>
#include <tenet/core/training/model.hpp>

namespace tenet::data {

struct Batch {
  std::vector<Tensor> inputs;  // one tensor per model input, each (batch, ...)
  Tensor labels;               // (batch, ...); undefined for prediction-only data
  std::int64_t index = 0;      // position of this batch in its epoch (0, 1, ...)
  std::int64_t size() const { return inputs.empty() ? 0 : inputs[0].dim(0); }
};

using Generator = std::function<std::optional<Batch>()>;  // std::nullopt ends the epoch
using BatchFn = std::function<Batch(Batch)>;

// One pass over a dataset. next() returns batches in order and std::nullopt at the end; an
// exception thrown while preparing a batch (a contract violation, the user's generator or
// map function) is rethrown by the next() that would have returned that batch.
class Epoch {
 public:
  // `loc`: the user's line that started the epoch, named by its errors (see Dataset::epoch).
  Epoch(Generator produce, bool prefetch,
        std::source_location loc = std::source_location::current());
  std::optional<Batch> next();

  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Epoch epoch);
    const Batch& operator*() const { return *current_; }
    const Batch* operator->() const { return &*current_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) {
      return !a.current_ && !b.current_;
    }

   private:
    std::shared_ptr<Epoch> epoch_;
    std::optional<Batch> current_;
  };
  iterator begin() { return iterator(*this); }
  iterator end() { return iterator(); }

 private:
  struct State;
  std::shared_ptr<State> state_;
};

class Dataset : public BatchSource {
 public:
  // One tensor per model input plus labels (or an undefined Tensor), all with the same number
  // of samples on axis 0, else batch.mismatch.
  static Dataset from_tensors(std::vector<Tensor> inputs, Tensor labels = Tensor(),
                              std::source_location loc = std::source_location::current());
  // A generator of ready-made batches. With a Generator, each epoch keeps calling the same
  // function until it returns std::nullopt (so the generator decides where epochs end). With a
  // factory, each epoch calls make_epoch() for a fresh generator (restartable epochs).
  // Generators run on the prefetch thread, one call at a time, never concurrently.
  static Dataset from_generator(Generator next,
                                std::source_location loc = std::source_location::current());
  static Dataset from_generator(std::function<Generator()> make_epoch,
                                std::source_location loc = std::source_location::current());

  // Shuffles the samples, anew each epoch, reproducibly: epoch e of shuffle(seed) is always the
  // same order. Samples are shuffled before batching even when called after batch() (tenet
  // does not shuffle whole batches). Not available for generators.
  Dataset shuffle(std::uint64_t seed,
                  std::source_location loc = std::source_location::current()) const;
  // Groups samples into batches of `size` (>= 1, else options.invalid); the last one may be
  // smaller unless drop_remainder. Batching a batched dataset raises input.rank;
  // drop_remainder with fewer samples than one batch raises batch.empty.
  Dataset batch(std::int64_t size, bool drop_remainder = false,
                std::source_location loc = std::source_location::current()) const;
  // Transforms every batch (after batching, whenever map() is called); the result is checked.
  Dataset map(BatchFn fn, std::source_location loc = std::source_location::current()) const;
  // Before batch(): the first n samples / all but the first n. After batch() (and for
  // generators): the first n batches / all but the first n batches.
  // n >= 0, else options.invalid.
  Dataset take(std::int64_t n, std::source_location loc = std::source_location::current()) const;
  Dataset skip(std::int64_t n, std::source_location loc = std::source_location::current()) const;
  // {train, validation}: the last `validation_fraction` of the samples (before batch()) or of
  // the batches (after), like Keras validation_split. Call it before shuffle(). The fraction
  // is in (0, 1), else options.invalid.
  std::pair<Dataset, Dataset> split(double validation_fraction,
                                    std::source_location loc = std::source_location::current()) const;
  // Background preparation of batch k+1 while batch k is used (on by default).
  Dataset prefetch(bool on) const;

  // Batches per epoch, or -1 when unknown (generators).
  std::int64_t cardinality() const;
  bool batched() const;
  std::int64_t batch_size() const;    // 0 before batch(), -1 for generators
  std::int64_t num_samples() const;   // samples per epoch, -1 for generators
  std::int64_t num_inputs() const;    // -1 for generators
  // Per-input shapes of one batch in Keras notation, e.g. (None, 28, 28), as the source holds
  // them (before any map()); empty for generators.
  std::vector<Shape> input_shapes() const;

  // The batches of epoch `number` (which fixes the shuffle order). `loc`, the user's line, is
  // named by the errors of this epoch's batches ("called at"), unless the epoch runs inside
  // a call that names its own line (model.fit).
  Epoch epoch(std::int64_t number,
              std::source_location loc = std::source_location::current()) const;
  // Range-for over the next epoch: each begin() starts a new epoch (0, 1, 2, ...), counted
  // in the state that copies of this Dataset share. `loc` is the line of the for statement.
  Epoch::iterator begin(std::source_location loc = std::source_location::current()) const;
  Epoch::iterator end() const { return Epoch::iterator(); }

  // What Model::fit, evaluate and predict read (BatchSource): this dataset's batches, batched
  // by `batch_size` unless batched already, each checked against `model` as it arrives.
  std::unique_ptr<BatchReader> read(const Model& model, std::int64_t batch_size,
                                    const std::string& call) const override;

  struct Spec;

 private:
  explicit Dataset(std::shared_ptr<const Spec> spec);
  Dataset with(const std::function<void(Spec&)>& change) const;
  std::shared_ptr<const Spec> spec_;
  std::shared_ptr<std::atomic<std::int64_t>> next_epoch_;
};

// Stacks single samples (each without batch axis) into one batch tensor; samples of different
// shapes raise batch.ragged naming the first outlier.
Tensor stack_samples(const std::vector<Tensor>& samples,
                     std::source_location loc = std::source_location::current());

// The checks applied to every batch: inputs present and of equal sample count, labels of the
// same count (batch.mismatch), at least one sample (batch.empty). `origin` names the source
// ("from_generator", "map").
void check_batch(const Batch& b, const std::string& origin);

}  // namespace tenet::data
