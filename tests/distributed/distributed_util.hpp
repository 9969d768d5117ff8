#pragma once
// Helpers for the tests that run under mpirun -np 2 (tests/distributed): a small model and
// data set every rank builds alike, and comparisons across ranks through MPI itself.
// The C API only: OpenMPI's deprecated C++ bindings warn under -Wextra.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstring>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::testing {

// 320 samples of 12 features, 10 classes; the same on every rank (no randomness).
inline std::pair<Tensor, Tensor> toy_data(std::int64_t n = 320) {
  std::vector<float> x(static_cast<std::size_t>(n * 12));
  std::vector<std::int32_t> y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < 12; ++j)
      x[static_cast<std::size_t>(i * 12 + j)] = static_cast<float>(((i * 7 + j * 13) % 17) - 8) / 8.0f;
    y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 3 + i / 5) % 10);
  }
  return {Tensor::from_vector(x, {n, 12}), Tensor::from_vector(y, {n})};
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

}  // namespace tenet::testing
