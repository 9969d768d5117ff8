#pragma once
// The contracts of a data::Dataset's arrays and batches (internal: data/dataset*.cpp call
// these): input.count, input.rank, batch.mismatch, batch.empty, and options.invalid for an
// empty generator. The facts are shapes, counts and names, so the messages live with the other
// checks although Dataset sits in data/. Each message is written here once (dataset_checks.cpp).
#include <cstdint>
#include <string>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

// ---- from_tensors and batch() ----

// input.count: from_tensors was given `count` input tensors (needs one or more).
void check_dataset_inputs(std::size_t count, const Site& where);
// input.rank: from_tensors' `what` ("inputs[1]", "labels") needs a sample axis.
void check_sample_axis(const Shape& shape, const std::string& what, const Site& where);
// batch.mismatch: from_tensors' `name` ("input 2", "labels") of `shape` against input 0.
void check_dataset_samples(const Shape& input0, const Shape& shape, const std::string& name,
                           const Site& where);
// input.rank: batch() on a dataset already batched: by its generator (`generator`), or in
// batches of `batch_size` samples (`input0`: input 0's shape, unused for a generator).
[[noreturn]] void batched_twice(bool generator, std::int64_t batch_size, const Shape& input0,
                                const Site& where);
// batch.empty: batch(`size`, drop_remainder = true) of a dataset of `samples` leaves no batch.
void check_remainder(std::int64_t samples, std::int64_t size, bool drop_remainder,
                     const Site& where);

// The validation part of `n` samples (or batches: `unit` "sample" or "batch") for a
// validation `fraction`, by Keras's rule: it starts at floor(n * (1 - fraction)), the return
// value. batch.empty when either part would be empty. `call` is "fit" or "Dataset::split",
// `option` the fraction as the user wrote it ("validation_split = 0.01").
std::int64_t validation_start(std::int64_t n, double fraction, const std::string& call,
                              const std::string& option, const char* unit, const Site& where);

// batch.empty: fit's validation data holds no sample, so it has no val_ logs to report (Keras
// refuses it too): FitOptions::validation_data whose x is `shape` (arrays), a validation
// Dataset of 0 batches per epoch (batches), or a generator that yielded no batch in this fit's
// validation pass `pass` (counted from 1; fit reads it once after each training epoch).
struct EmptyValidation {
  enum class Kind { arrays, batches, generator } kind = Kind::arrays;
  Shape shape;
  std::int64_t pass = 1;
};
[[noreturn]] void empty_validation(const EmptyValidation& facts, const Site& where);

// ---- the batches of an epoch (`at` is "batch 3"; `origin` is from_generator, map, ...) ----

// input.count: a batch with `count` inputs (needs one or more).
void check_batch_inputs(std::size_t count, const std::string& at, const Site& where);
// input.rank: the batch's `name` ("input 1", "labels") needs a batch axis.
void check_batch_axis(const Shape& shape, const std::string& at, const std::string& name,
                      const Site& where);
// batch.mismatch: the batch's `name` of `shape` against its input 0; `shapes` are the shapes
// of all its inputs (for the note on resizing).
void check_batch_samples(const Shape& input0, const Shape& shape, const std::string& at,
                         const std::string& name, const std::string& origin,
                         const std::vector<Shape>& shapes, const Site& where);

// ---- generators ----

// options.invalid: the data::Generator an epoch was to call holds no callable: the one
// from_generator's factory returned when epoch `epoch` (counted from 0) began (`factory`), or
// the one given to Epoch's constructor.
[[noreturn]] void empty_generator(bool factory, std::int64_t epoch, const Site& where);

}  // namespace tenet::checks
