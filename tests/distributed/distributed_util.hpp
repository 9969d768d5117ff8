#pragma once
// Helpers for the tests that run under mpirun -np 2 (tests/distributed): a small model and
// data set every rank builds alike, and comparisons across ranks through MPI itself.
// The C API only: OpenMPI's deprecated C++ bindings warn under -Wextra.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::testing {

// n samples of `features` features, 10 classes; the same on every rank (no randomness).
inline std::pair<Tensor, Tensor> toy_data(std::int64_t n = 320, std::int64_t features = 12) {
  std::vector<float> x(static_cast<std::size_t>(n * features));
  std::vector<std::int32_t> y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < features; ++j)
      x[static_cast<std::size_t>(i * features + j)] = static_cast<float>(((i * 7 + j * 13) % 17) - 8) / 8.0f;
    y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 3 + i / 5) % 10);
  }
  return {Tensor::from_vector(x, {n, features}), Tensor::from_vector(y, {n})};
}

// Dense(32, relu) -> [BatchNorm] -> Dense(10), initialised from `seed`, compiled with SGD.
inline Model toy_model(std::uint64_t seed, bool batch_norm = false, std::int64_t width = 32) {
  set_random_seed(seed);
  auto in = Input({12});
  auto h = Dense(width, {.activation = Activation::relu})(in);
  if (batch_norm) h = BatchNorm()(h);
  Model m(in, Dense(10)(h));
  m.compile({.optimizer = SGD({.learning_rate = 0.1, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true}),
             .metrics = {Metric::accuracy}});
  return m;
}

inline std::vector<float> flat_weights(const Model& m) {
  std::vector<float> out;
  for (const Tensor& w : m.weights()) {
    auto v = w.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// True when `bytes` is the same on every rank (compared as an FNV-1a hash and a length).
inline bool same_on_every_rank(const std::string& bytes) {
  std::uint64_t h[2] = {1469598103934665603ULL, bytes.size()};
  for (unsigned char c : bytes) h[0] = (h[0] ^ c) * 1099511628211ULL;
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<std::uint64_t> all(2 * static_cast<std::size_t>(size));
  MPI_Allgather(h, 2, MPI_UINT64_T, all.data(), 2, MPI_UINT64_T, MPI_COMM_WORLD);
  for (int r = 1; r < size; ++r)
    if (all[2 * r] != all[0] || all[2 * r + 1] != all[1]) return false;
  return true;
}
inline bool same_on_every_rank(const std::vector<float>& v) {
  return same_on_every_rank(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

// Batches of `batch` rows in order; `tamper(index, labels)` may change a batch or throw.
class Batches : public BatchReader {
 public:
  using Tamper = std::function<void(std::int64_t, Tensor&)>;
  Batches(Tensor x, Tensor y, std::int64_t batch, Tamper tamper)
      : x_(std::move(x)), y_(std::move(y)), batch_(batch), tamper_(std::move(tamper)) {}
  std::int64_t steps() const override { return (x_.dim(0) + batch_ - 1) / batch_; }
  void start_epoch(int) override { next_ = 0; }
  bool next(std::vector<Tensor>& inputs, Tensor& labels, std::int64_t& index) override {
    if (next_ * batch_ >= x_.dim(0)) return false;
    const std::int64_t lo = next_ * batch_, hi = std::min(lo + batch_, x_.dim(0));
    inputs = {slice(x_, 0, lo, hi)};
    labels = slice(y_, 0, lo, hi);
    index = next_++;
    tamper_(index, labels);
    return true;
  }

 private:
  Tensor x_, y_;
  std::int64_t batch_, next_ = 0;
  Tamper tamper_;
};

// Batches of 64 over x, y in which global batch 2 holds label 99 in row 40, on rank 1 only:
// row 40 lies in rank 1's shard (its rows 32-63), so rank 1 fails inside that step.
inline Batches bad_label_on_rank_1(const Tensor& x, const Tensor& y) {
  return Batches(x, y, 64, [](std::int64_t index, Tensor& labels) {
    if (index != 2 || distributed::rank() != 1) return;
    std::vector<std::int32_t> v = labels.to_vector<std::int32_t>();
    v[40] = 99;
    labels = Tensor::from_vector(v, labels.shape());
  });
}

// A callback keeping the weights after training batch 1 (the last step before batch 2) in `out`.
inline Callback weights_after_batch_1(std::vector<float>& out) {
  return LambdaCallback({.on_batch_end = [&out](Model& model, int batch, Logs&) {
    if (batch == 1) out = flat_weights(model);
  }});
}

}  // namespace tenet::testing
