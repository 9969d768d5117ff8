// Dataset construction and transforms; iteration lives in dataset_epoch.cpp.
#include <cmath>
#include <limits>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/dataset_checks.hpp"
#include "data/dataset_spec.hpp"

namespace tenet::data {

using Spec = Dataset::Spec;

namespace {

// options.invalid for a call that needs what this dataset is not: `call` ("Dataset::shuffle")
// was made on `what` ("a generator dataset").
[[noreturn]] void misuse(const std::string& call, const std::string& what,
                         const std::string& valid, const Site& where, const std::string& cause,
                         const std::string& fix) {
  checks::invalid_option(call + "'s dataset", what, valid, where, Phase::run, cause, fix);
}

// options.invalid for an empty std::function given to `call`.
[[noreturn]] void empty_function(const std::string& call, const Site& where) {
  checks::invalid_option(call + "'s function", "an empty std::function", "a callable",
                         where, Phase::run,
                         "the std::function given to " + call + " holds no callable: it was "
                         "default-constructed or moved from",
                         "pass a lambda, e.g. [](data::Batch b) { return b; }");
}

void check_sources(const std::vector<Tensor>& inputs, const Tensor& labels, const Site& site) {
  checks::check_dataset_inputs(inputs.size(), site);
  auto rank0 = [&](const Tensor& t, const std::string& what) {
    if (!t.defined()) checks::empty_handle("from_tensors' " + what, "Tensor", site, Phase::run);
    checks::check_sample_axis(t.shape(), what, site);
  };
  for (std::size_t i = 0; i < inputs.size(); ++i)
    rank0(inputs[i], "inputs[" + std::to_string(i) + "]");
  if (labels.defined()) rank0(labels, "labels");
  for (std::size_t i = 1; i <= inputs.size(); ++i) {
    const bool is_labels = i == inputs.size();
    if (is_labels && !labels.defined()) break;
    checks::check_dataset_samples(inputs[0].shape(), (is_labels ? labels : inputs[i]).shape(),
                                  is_labels ? "labels" : "input " + std::to_string(i), site);
  }
}

}  // namespace

std::int64_t Spec::selected_samples() const {
  std::int64_t n = samples;
  for (const auto& s : sample_steps)
    if (s.kind == Kind::take) n = std::min(n, s.n);
    else if (s.kind == Kind::skip) n = std::max<std::int64_t>(0, n - s.n);
  return n;
}

std::int64_t Spec::source_batches() const {
  if (generator()) return -1;
  const std::int64_t n = selected_samples();
  if (batch_size == 0) return 1;  // unbatched: one batch holding every selected sample
  return drop_remainder ? n / batch_size : checks::batch_count(n, batch_size);
}

Dataset::Dataset(std::shared_ptr<const Spec> spec)
    : spec_(std::move(spec)), next_epoch_(std::make_shared<std::atomic<std::int64_t>>(0)) {}

Dataset Dataset::with(const std::function<void(Spec&)>& change) const {
  auto s = std::make_shared<Spec>(*spec_);
  change(*s);
  return Dataset(std::move(s));
}

Dataset Dataset::from_tensors(std::vector<Tensor> inputs, Tensor labels,
                              std::source_location loc) {
  check_sources(inputs, labels, Site("from_tensors", "Dataset", loc));
  auto s = std::make_shared<Spec>();
  s->created = loc;
  s->samples = inputs[0].dim(0);
  s->inputs = std::move(inputs);
  s->labels = std::move(labels);
  return Dataset(std::move(s));
}

Dataset Dataset::from_generator(std::function<Generator()> make_epoch, std::source_location loc) {
  if (!make_epoch)
    empty_function("Dataset::from_generator", Site("from_generator", "Dataset", loc));
  auto s = std::make_shared<Spec>();
  s->created = loc;
  s->make_epoch = std::move(make_epoch);
  s->batch_size = -1;
  return Dataset(std::move(s));
}

Dataset Dataset::from_generator(Generator next, std::source_location loc) {
  if (!next) empty_function("Dataset::from_generator", Site("from_generator", "Dataset", loc));
  auto shared = std::make_shared<Generator>(std::move(next));
  // Every epoch calls the one shared function, so its state carries over between epochs.
  return from_generator(std::function<Generator()>(
      [shared] { return Generator([shared] { return (*shared)(); }); }), loc);
}

Dataset Dataset::shuffle(std::uint64_t seed, std::source_location loc) const {
  if (spec_->generator())
    misuse("Dataset::shuffle", "a generator dataset", "a dataset made by from_tensors",
           Site("shuffle", "Dataset", loc),
           "shuffle() reorders the samples before batching; a generator yields whole batches, "
           "so tenet never sees its samples",
           "shuffle inside the generator, or build the dataset with from_tensors");
  return with([&](Spec& s) { s.sample_steps.push_back({Spec::Kind::shuffle, 0, seed, {}}); });
}

Dataset Dataset::batch(std::int64_t size, bool drop_remainder, std::source_location loc) const {
  const Site site("batch", "Dataset", loc);
  if (batched())
    checks::batched_twice(spec_->generator(), spec_->batch_size,
                          spec_->generator() ? Shape() : input_shapes()[0], site);
  checks::check_option_positive("Dataset::batch size", size, "the number of samples per batch",
                                site, Phase::run);
  const std::int64_t n = spec_->selected_samples();
  checks::check_remainder(n, size, drop_remainder, site);
  return with([&](Spec& s) {
    s.batch_size = size;
    s.drop_remainder = drop_remainder;
  });
}

Dataset Dataset::map(BatchFn fn, std::source_location loc) const {
  if (!fn) empty_function("Dataset::map", Site("map", "Dataset", loc));
  return with([&](Spec& s) { s.batch_steps.push_back({Spec::Kind::map, 0, 0, fn, loc}); });
}

Dataset Dataset::take(std::int64_t n, std::source_location loc) const {
  checks::check_option_range("Dataset::take n", n, 0, std::numeric_limits<std::int64_t>::max(),
                             Site("take", "Dataset", loc), Phase::run);
  return with([&](Spec& s) {
    (batched() ? s.batch_steps : s.sample_steps).push_back({Spec::Kind::take, n, 0, {}});
  });
}

Dataset Dataset::skip(std::int64_t n, std::source_location loc) const {
  checks::check_option_range("Dataset::skip n", n, 0, std::numeric_limits<std::int64_t>::max(),
                             Site("skip", "Dataset", loc), Phase::run);
  return with([&](Spec& s) {
    (batched() ? s.batch_steps : s.sample_steps).push_back({Spec::Kind::skip, n, 0, {}});
  });
}

std::pair<Dataset, Dataset> Dataset::split(double fraction, std::source_location loc) const {
  const Site site("split", "Dataset", loc);
  if (!(fraction > 0.0 && fraction < 1.0))  // NaN too
    checks::invalid_option("Dataset::split validation_fraction", checks::option_value(fraction),
                           "a fraction in (0, 1)", site, Phase::run,
                           fraction >= 1.0 ? "a fraction >= 1 keeps every sample for validation "
                                             "and leaves none to train on"
                           : fraction == 0.0 ? "a fraction of 0 leaves no validation sample"
                                             : std::string{},
                           "split(0.2), for example; for no validation, do not call split");
  if (spec_->generator())
    misuse("Dataset::split", "a generator dataset", "a dataset made by from_tensors", site,
           "split() needs the dataset's length; a generator dataset has none",
           "split the data before the generator, or build the dataset with from_tensors");
  for (const auto& s : spec_->sample_steps)
    if (s.kind == Spec::Kind::shuffle)
      misuse("Dataset::split", "a shuffled dataset", "a dataset not shuffled yet", site,
             "split() after shuffle() would pick a different validation set every epoch, "
             "mixing validation samples into training",
             "call split() first and shuffle the training part: "
             "auto [train, val] = ds.split(0.2); train = train.shuffle(seed)");
  const bool batches = batched();
  const std::int64_t n = batches ? cardinality() : spec_->selected_samples();
  const std::int64_t at = checks::validation_start(
      n, fraction, "Dataset::split", "validation_fraction = " + checks::option_value(fraction),
      batches ? "batch" : "sample", site);
  return {take(at), skip(at)};
}

Dataset Dataset::prefetch(bool on) const {
  return with([&](Spec& s) { s.prefetch = on; });
}

std::int64_t Dataset::cardinality() const {
  std::int64_t n = spec_->source_batches();
  if (n < 0) return -1;
  for (const auto& s : spec_->batch_steps)
    if (s.kind == Spec::Kind::take) n = std::min(n, s.n);
    else if (s.kind == Spec::Kind::skip) n = std::max<std::int64_t>(0, n - s.n);
  return n;
}

bool Dataset::batched() const { return spec_->batch_size != 0; }
std::int64_t Dataset::batch_size() const { return spec_->batch_size; }
std::int64_t Dataset::num_samples() const {
  return spec_->generator() ? -1 : spec_->selected_samples();
}
std::int64_t Dataset::num_inputs() const {
  return spec_->generator() ? -1 : static_cast<std::int64_t>(spec_->inputs.size());
}

std::vector<Shape> Dataset::input_shapes() const {
  std::vector<Shape> out;
  for (const auto& t : spec_->inputs) out.push_back(t.shape().with(0, kUnknown));
  return out;
}

Epoch Dataset::epoch(std::int64_t number, std::source_location loc) const {
  return Epoch(make_stream(spec_, number), spec_->prefetch, loc);
}

Epoch::iterator Dataset::begin(std::source_location loc) const {
  return Epoch::iterator(epoch((*next_epoch_)++, loc));
}

}  // namespace tenet::data
