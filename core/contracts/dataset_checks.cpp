// A Dataset's arrays (from_tensors, batch) and the batches of its epochs: inputs present, a
// sample axis on each, equal sample counts, and a batch size that leaves a batch.
#include "core/contracts/dataset_checks.hpp"

#include <algorithm>
#include <cmath>

namespace tenet::checks {

namespace {

std::string count_str(std::int64_t n, const char* unit) {
  return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
}

}  // namespace

std::int64_t validation_start(std::int64_t n, double fraction, const std::string& call,
                              const std::string& option, const char* unit, const Site& where) {
  const auto at = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - fraction)));
  if (at > 0 && at < n) return at;
  const bool no_training = at <= 0;
  Violation("batch.empty", Phase::run, where)
      .summary(call + "'s " + option + " of " + count_str(n, unit) + " leaves " +
               (no_training ? std::string("nothing to train on") : "no validation " + std::string(unit)))
      .expected("at least 1 " + std::string(unit) + " in each part")
      .actual(no_training ? "0 to train on, " + std::to_string(n) + " for validation"
                          : std::to_string(n) + " to train on, 0 for validation")
      .cause("the training part is the first floor(" + std::to_string(n) + " x (1 - " +
             option_value(fraction) + ")) = " + std::to_string(std::max<std::int64_t>(at, 0)) +
             " " + unit + (at == 1 ? "" : "s") + " and validation the rest, as in Keras" +
             (n < 2 ? "; " + count_str(n, unit) + " cannot be split in two" : std::string{}))
      .fix(n < 2 ? "use more " + std::string(unit) + "s, or no validation part"
           : no_training ? "a smaller fraction, such as " + option_value(0.2)
                         : "a fraction of at least 1/" + std::to_string(n) + " = " +
                               option_value(1.0 / static_cast<double>(n)) +
                               ", or no validation part")
      .raise();
}

void empty_validation(const EmptyValidation& f, const Site& where) {
  using K = EmptyValidation::Kind;
  const std::string data = f.kind == K::arrays ? "FitOptions::validation_data"
                                               : "fit's validation dataset";
  const std::string found =
      f.kind == K::arrays ? "its x has shape " + f.shape.str() + ", 0 samples"
      : f.kind == K::batches ? "it has 0 batches per epoch"
                             : "its generator yielded no batch in validation pass " +
                                   std::to_string(f.pass) + " of this fit (fit reads it after "
                                   "each training epoch)";
  Violation("batch.empty", Phase::run, where)
      .summary(data + " holds no samples")
      .expected("at least 1 validation sample")
      .actual(f.kind == K::arrays ? "0 samples " + f.shape.str() : "no batch")
      .cause(data + " was given, but " + found + "; val_loss over no samples would be a mean "
             "over nothing, and fit would report no val_ keys")
      .fix(f.kind == K::arrays
               ? "give FitOptions::validation_data at least one sample, or leave it unset to "
                 "train without validation"
               : f.kind == K::batches
                   ? "give the validation dataset at least one sample (with drop_remainder, at "
                     "least one full batch), or call fit without a validation dataset"
                   : "make the generator yield at least one batch every epoch (a Generator "
                     "given alone goes on where the last epoch stopped; from_generator with a "
                     "std::function<Generator()> starts each epoch afresh), or call fit "
                     "without a validation dataset")
      .raise();
}

void check_dataset_inputs(std::size_t count, const Site& where) {
  if (count > 0) return;
  Violation("input.count", Phase::run, where)
      .summary("a dataset needs at least one input tensor")
      .expected("one tensor per model input").actual("none")
      .fix("Dataset::from_tensors({x}, y)").raise();
}

void check_sample_axis(const Shape& shape, const std::string& what, const Site& where) {
  if (shape.rank() > 0) return;
  Violation("input.rank", Phase::run, where)
      .summary(what + " has no sample axis").expected("(N, ...)").actual(shape)
      .fix("give one row per sample on axis 0, e.g. expand_dims(t, 0)").raise();
}

void check_dataset_samples(const Shape& input0, const Shape& t, const std::string& name,
                           const Site& where) {
  const std::int64_t n = input0[0];
  if (t[0] == n) return;
  Violation("batch.mismatch", Phase::run, where)
      .summary("input 0 and " + name + " have different numbers of samples")
      .expected(t.with(0, n)).actual(t).mark({0})
      .cause("input 0 holds " + count_str(n, "sample") + " " + input0.str() + " but " + name +
             " holds " + std::to_string(t[0]) + " " + t.str() + "; axis 0 counts samples." +
             sample_count_note({input0, t}))
      .fix("slice both to the same number of samples (slice(t, 0, 0, " +
           std::to_string(std::min(n, t[0])) + ")), or fix the pipeline that dropped or "
           "duplicated samples").raise();
}

void batched_twice(bool generator, std::int64_t batch_size, const Shape& input0,
                   const Site& where) {
  const Shape once = generator ? Shape{kUnknown, kUnknown} : input0.with(0, batch_size);
  Violation("input.rank", Phase::run, where)
      .summary("batch() on a dataset that is already batched")
      .expected(generator ? std::string("batches as the generator yields them") : input0.str())
      .actual(once.with_batch(kUnknown))
      .cause(std::string("this dataset is already batched (") +
             (generator ? "its generator yields whole batches"
                        : "batches of " + std::to_string(batch_size)) +
             "); batching again adds a second batch axis" +
             (generator ? std::string(" to every input")
                        : ", so input 0 becomes rank " + std::to_string(once.rank() + 1) +
                              " instead of " + std::to_string(once.rank())))
      .fix("remove the second batch() call").raise();
}

void check_remainder(std::int64_t n, std::int64_t size, bool drop_remainder, const Site& where) {
  if (!drop_remainder || n >= size) return;
  Violation("batch.empty", Phase::run, where)
      .summary("drop_remainder leaves no batch at all")
      .expected("at least " + count_str(size, "sample")).actual(count_str(n, "sample"))
      .cause("the dataset holds " + count_str(n, "sample") + ", fewer than one batch of " +
             std::to_string(size) + ", and drop_remainder = true drops them all")
      .fix("batch(" + std::to_string(std::max<std::int64_t>(n, 1)) +
           ") or drop_remainder = false").raise();
}

void check_batch_inputs(std::size_t count, const std::string& at, const Site& where) {
  if (count > 0) return;
  Violation("input.count", Phase::run, where)
      .summary(at + " has no inputs").expected("one tensor per model input").actual("none")
      .fix("return Batch{{x}, y} with one tensor per model input").raise();
}

void check_batch_axis(const Shape& shape, const std::string& at, const std::string& name,
                      const Site& where) {
  if (shape.rank() > 0) return;
  Violation("input.rank", Phase::run, where)
      .summary(at + ": " + name + " has no batch axis")
      .expected("(batch, ...)").actual(shape)
      .fix("give every tensor of a batch its samples on axis 0").raise();
}

void check_batch_samples(const Shape& input0, const Shape& t, const std::string& at,
                         const std::string& name, const std::string& origin,
                         const std::vector<Shape>& shapes, const Site& where) {
  const std::int64_t n = input0[0];
  if (t[0] == n) return;
  Violation("batch.mismatch", Phase::run, where)
      .summary(at + ": input 0 has " + std::to_string(n) + " samples but " + name + " has " +
               std::to_string(t[0]))
      .expected(t.with(0, n)).actual(t).mark({0})
      .cause(at + " from " + origin + " pairs " + std::to_string(n) + " samples of input 0 " +
             input0.str() + " with " + std::to_string(t[0]) + " of " + name + " " + t.str() +
             "; axis 0 counts samples." + sample_count_note(shapes))
      .fix("slice both to the same number of samples, or fix the " +
           std::string(origin == "map" ? "map function" : "generator") +
           " so that inputs and labels of each batch come from the same samples").raise();
}

void empty_generator(bool factory, std::int64_t epoch, const Site& where) {
  const std::string empty = " holds no callable (it was default-constructed, or moved from)";
  if (factory)
    invalid_option("the Generator from_generator's factory returned", "an empty data::Generator",
                   "a callable returning std::optional<data::Batch>", where, Phase::run,
                   "from_generator calls its factory when each epoch begins, and the Generator "
                   "it returned for epoch " + std::to_string(epoch) + " (counted from 0)" + empty +
                       ": a path of the factory returns no lambda",
                   "return a lambda on every path of the factory; an epoch without batches is "
                   "[] { return std::optional<data::Batch>(); }");
  invalid_option("Epoch's generator", "an empty data::Generator",
                 "a callable returning std::optional<data::Batch>", where, Phase::run,
                 "Epoch calls its generator for every batch, and the one given" + empty,
                 "build the Epoch from a lambda returning std::optional<data::Batch> (std::nullopt "
                 "ends the epoch), or take the epoch from a Dataset: dataset.epoch(0)");
}

}  // namespace tenet::checks
