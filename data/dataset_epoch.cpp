// Iterating a Dataset: the per-epoch sample order, the stream of checked batches, and the
// Epoch that prefetches batch k+1 on a background thread while batch k is used.
#include <future>
#include <mutex>
#include <numeric>
#include <random>

#include <tenet/core/contracts/checks.hpp>
#include "core/contracts/dataset_checks.hpp"
#include <tenet/core/ops/ops.hpp>
#include "core/base/user_call.hpp"
#include "data/dataset_spec.hpp"

namespace tenet::data {

using Spec = Dataset::Spec;

// ---------------------------------------------------------------- checks

void check_batch(const Batch& b, const std::string& origin) {
  check_batch(b, BatchFrom{origin, {}, -1});
}

void check_batch(const Batch& b, const BatchFrom& from) {
  const std::string& origin = from.source;
  const Site site = from.loc.line() ? Site(origin, "Dataset", from.loc) : Site(origin, "Dataset");
  const std::string at = checks::batch_name(b.index);
  checks::check_batch_inputs(b.inputs.size(), at, site);
  std::vector<Shape> shapes;
  for (const auto& t : b.inputs) shapes.push_back(t.defined() ? t.shape() : Shape());
  for (std::size_t i = 0; i <= b.inputs.size(); ++i) {
    const bool is_labels = i == b.inputs.size();
    const Tensor& t = is_labels ? b.labels : b.inputs[i];
    const std::string name = is_labels ? "labels" : "input " + std::to_string(i);
    if (is_labels && !t.defined()) break;
    if (!t.defined()) checks::empty_handle(name + " of " + at, "Tensor", site, Phase::run);
    checks::check_batch_axis(t.shape(), at, name, site);
    checks::check_batch_samples(b.inputs[0].shape(), t.shape(), at, name, origin, shapes, site);
  }
  if (b.inputs[0].dim(0) == 0)
    checks::empty_batch({origin, b.index, from.samples_before, b.inputs[0].shape()}, site);
}

Tensor stack_samples(const std::vector<Tensor>& samples, std::source_location loc) {
  return tenet::stack(samples, 0, loc);
}

// ---------------------------------------------------------------- the stream of batches

namespace {

// Fisher-Yates on a mt19937_64 seeded from (seed, epoch): the same order on every platform.
void shuffle_rows(std::vector<std::int64_t>& rows, std::uint64_t seed, std::int64_t epoch) {
  const auto e = static_cast<std::uint64_t>(epoch);
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(e >> 32)};
  std::mt19937_64 rng(seq);
  for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng() % i]);
}

std::vector<std::int64_t> sample_order(const Spec& s, std::int64_t epoch) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(s.samples));
  std::iota(rows.begin(), rows.end(), 0);
  for (const auto& step : s.sample_steps) {
    const auto n = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(step.n));
    if (step.kind == Spec::Kind::shuffle) shuffle_rows(rows, step.seed, epoch);
    else if (step.kind == Spec::Kind::take) rows.resize(n);
    else if (step.kind == Spec::Kind::skip) rows.erase(rows.begin(), rows.begin() + n);
  }
  return rows;
}

Generator tensor_source(std::shared_ptr<const Spec> s, std::int64_t epoch) {
  auto rows = std::make_shared<std::vector<std::int64_t>>(sample_order(*s, epoch));
  const std::int64_t n = static_cast<std::int64_t>(rows->size());
  const std::int64_t size = s->batch_size > 0 ? s->batch_size : std::max<std::int64_t>(n, 1);
  const std::int64_t count = s->source_batches();
  return [s, rows, size, count, n, k = std::int64_t{0}]() mutable -> std::optional<Batch> {
    if (k >= count) return std::nullopt;
    const std::int64_t begin = k * size, end = std::min(n, begin + size);
    const std::vector<std::int64_t> pick(rows->begin() + begin, rows->begin() + end);
    Batch b;
    for (const auto& x : s->inputs) b.inputs.push_back(take_rows(x, pick));
    if (s->labels.defined()) b.labels = take_rows(s->labels, pick);
    b.index = k++;
    check_batch(b, BatchFrom{"from_tensors", s->created, -1});
    return b;
  };
}

Generator generator_source(const Spec& s, std::int64_t epoch) {
  Generator next = s.make_epoch();
  if (!next) checks::empty_generator(true, epoch, Site("from_generator", "Dataset", s.created));
  return [next = std::move(next), k = std::int64_t{0},
          loc = s.created]() mutable -> std::optional<Batch> {
    std::optional<Batch> b = next();
    if (!b) return b;
    b->index = k++;
    check_batch(*b, BatchFrom{"from_generator", loc, -1});
    return b;
  };
}

Generator add_step(Generator prev, const Spec::Step& step) {
  switch (step.kind) {
    case Spec::Kind::take:
      return [prev, n = step.n, k = std::int64_t{0}]() mutable -> std::optional<Batch> {
        if (k >= n) return std::nullopt;
        ++k;
        return prev();
      };
    case Spec::Kind::skip:
      return [prev, n = step.n, skipped = false]() mutable -> std::optional<Batch> {
        for (; !skipped && n > 0; --n)
          if (!prev()) return std::nullopt;
        skipped = true;
        return prev();
      };
    case Spec::Kind::map:
      return [prev, fn = step.fn, loc = step.loc]() -> std::optional<Batch> {
        std::optional<Batch> b = prev();
        if (!b) return b;
        const std::int64_t index = b->index, given = b->size();
        Batch out = fn(std::move(*b));
        out.index = index;
        check_batch(out, BatchFrom{"map", loc, given});
        return out;
      };
    case Spec::Kind::shuffle: break;
  }
  internal_error("shuffle step among batch steps");
}

}  // namespace

Generator make_stream(std::shared_ptr<const Spec> spec, std::int64_t epoch) {
  Generator g = spec->generator() ? generator_source(*spec, epoch) : tensor_source(spec, epoch);
  for (const auto& step : spec->batch_steps) g = add_step(std::move(g), step);
  return [g = std::move(g), k = std::int64_t{0}]() mutable -> std::optional<Batch> {
    std::optional<Batch> b = g();
    if (b) b->index = k++;  // position in this epoch, after take/skip
    return b;
  };
}

// ---------------------------------------------------------------- Epoch and prefetch

struct Epoch::State {
  std::mutex mutex;  // next() from several threads: each takes the next batch in turn
  Generator produce;
  UserCall call;  // the user's call this epoch serves, re-opened on the prefetch thread
  bool prefetch = true;
  bool finished = false;
  std::future<std::optional<Batch>> pending;  // batch k+1, being prepared
};

Epoch::Epoch(Generator produce, bool prefetch, std::source_location loc)
    : state_(std::make_shared<State>()) {
  if (!produce) checks::empty_generator(false, 0, Site("Epoch", "Dataset", loc));
  state_->produce = std::move(produce);
  state_->prefetch = prefetch;
  state_->call = current_user_call();  // inside model.fit: fit's line
  if (!state_->call.active) state_->call = UserCall{"iterating the Dataset", loc, true};
}

std::optional<Batch> Epoch::next() {
  State& s = *state_;
  const std::lock_guard lock(s.mutex);
  if (s.finished) return std::nullopt;
  const ScopedUserCall user(s.call);
  std::optional<Batch> b;
  try {
    b = s.pending.valid() ? s.pending.get() : s.produce();  // rethrows the producer's error
  } catch (...) {
    s.finished = true;
    throw;
  }
  if (!b) {
    s.finished = true;
    return b;
  }
  // Only one call of produce runs at a time: the next starts after this one has returned.
  if (s.prefetch)
    s.pending = std::async(std::launch::async, [&s] {
      const ScopedUserCall user(s.call);
      return s.produce();
    });
  return b;
}

Epoch::iterator::iterator(Epoch epoch)
    : epoch_(std::make_shared<Epoch>(std::move(epoch))), current_(epoch_->next()) {}

Epoch::iterator& Epoch::iterator::operator++() {
  current_ = epoch_->next();
  return *this;
}

}  // namespace tenet::data
