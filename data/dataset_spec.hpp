#pragma once
// The immutable description behind a Dataset (internal to data/): where samples come from,
// the sample-level steps before batching, the batch size, and the batch-level steps after.
#include <string>

#include <tenet/data/dataset.hpp>

namespace tenet::data {

struct Dataset::Spec {
  enum class Kind { shuffle, take, skip, map };
  struct Step {
    Kind kind;
    std::int64_t n = 0;       // take/skip count
    std::uint64_t seed = 0;   // shuffle seed
    BatchFn fn;               // map
    std::source_location loc = {};  // map: the user's line of the map() call
  };
  // source: tensors (inputs + labels) or a generator factory
  std::vector<Tensor> inputs;
  Tensor labels;
  std::int64_t samples = 0;
  std::function<Generator()> make_epoch;
  bool generator() const { return static_cast<bool>(make_epoch); }
  std::source_location created;  // the user's line of from_tensors / from_generator

  std::vector<Step> sample_steps;  // on the sample order of one epoch (shuffle, take, skip)
  std::int64_t batch_size = 0;     // 0: not batched
  bool drop_remainder = false;
  std::vector<Step> batch_steps;   // on the stream of batches (take, skip, map)
  bool prefetch = true;

  std::int64_t selected_samples() const;  // after the sample steps
  std::int64_t source_batches() const;    // batches before the batch steps
};

// Where a batch comes from, for check_batch's explanations (dataset_epoch.cpp).
struct BatchFrom {
  std::string source;                // "from_tensors", "from_generator", "map"
  std::source_location loc;          // the Dataset's creation, or the map() call
  std::int64_t samples_before = -1;  // map: the samples of the batch the function was given
};
void check_batch(const Batch& b, const BatchFrom& from);

// The stream of batches of one epoch, every batch checked (dataset_epoch.cpp).
Generator make_stream(std::shared_ptr<const Dataset::Spec> spec, std::int64_t epoch);

}  // namespace tenet::data
