#pragma once
// Shared by the integrity tests of tests/data (test_checkpoint_integrity.cpp,
// test_checkpoint_flips.cpp): a small trained checkpoint, a snapshot of a model's whole state,
// and where a dataset's data sits in a file.
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include <hdf5/serial/hdf5.h>
#endif

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "support/test_checkpoint_util.hpp"

namespace ckpt {

using namespace tenet;

// mlp({4}, 3) (Input 6 -> Dense 4 relu -> Dense 3) compiled with Adam, after two steps: the
// file holds kernels, biases, iteration 2, the learning rate and Adam's m and v per variable.
inline Model trained_mlp(std::uint64_t seed) {
  clear_session();
  set_random_seed(seed);
  Model m = mlp({4}, 3);
  compile_adam(m);
  const Tensor x = Tensor::randn({8, 6}, seed), y = Tensor::zeros({8}, DType::i32);
  m.train_on_batch({x}, y);
  m.train_on_batch({x}, y);
  return m;
}

// The model's weights and optimizer state, to show that a refused load changed nothing.
struct Snapshot {
  std::vector<Tensor> weights, slots;
  std::int64_t iterations;
  double learning_rate;
  explicit Snapshot(const Model& m) {
    weights = clones(m.weights());
    const auto& opt = *m.optimizer().impl();
    for (const auto& per_var : opt.slots()) {
      auto c = clones(per_var);
      slots.insert(slots.end(), c.begin(), c.end());
    }
    iterations = opt.iterations();
    learning_rate = opt.learning_rate();
  }
  bool same_as(const Model& m) const {
    const Snapshot now(m);
    return bitwise_equal(weights, now.weights) && bitwise_equal(slots, now.slots) &&
           iterations == now.iterations && learning_rate == now.learning_rate;
  }
};

// The file offset of dataset `name`'s (first chunk of) data: H5Dget_offset for contiguous
// data, H5Dget_chunk_info for chunked data.
inline haddr_t data_offset(const std::string& path, const char* name, bool* chunked = nullptr) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t dcpl = H5Dget_create_plist(set);
  const bool is_chunked = H5Pget_layout(dcpl) == H5D_CHUNKED;
  haddr_t at = HADDR_UNDEF;
  if (is_chunked) {
    hsize_t origin[8];
    unsigned mask = 0;
    hsize_t size = 0;
    hid_t space = H5Dget_space(set);
    CHECK(H5Dget_chunk_info(set, space, 0, origin, &mask, &at, &size) >= 0);
    H5Sclose(space);
  } else {
    at = H5Dget_offset(set);
  }
  if (chunked) *chunked = is_chunked;
  H5Pclose(dcpl);
  H5Dclose(set);
  H5Fclose(f);
  REQUIRE(at != HADDR_UNDEF);
  return at;
}

}  // namespace ckpt
