#pragma once
// Numbered datasets and the labels of an epoch, for the Dataset tests.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include <tenet/core/contracts/checks.hpp>
#include <tenet/core/ops/ops.hpp>
#include <tenet/core/ops/image.hpp>
#include <tenet/data/dataset.hpp>
#include <tenet/data/preprocess.hpp>

#include "support/test_data_util.hpp"

namespace tenet::testing {
using namespace tenet;
using namespace tenet::testing;
using data::Batch;
using data::Dataset;

// n samples: x[i] = (2i, 2i + 1) as float32 (n, 2), y[i] = i as int64 (n,).
inline Dataset numbered(std::int64_t n) {
  std::vector<float> x;
  for (std::int64_t i = 0; i < 2 * n; ++i) x.push_back(static_cast<float>(i));
  return Dataset::from_tensors({Tensor::from_vector(x, {n, 2})}, Tensor::arange(n, DType::i64));
}

// The labels of each batch of one epoch, checking that inputs stay with their labels.
inline std::vector<std::vector<std::int64_t>> labels_of(data::Epoch epoch) {
  std::vector<std::vector<std::int64_t>> out;
  while (auto b = epoch.next()) {
    auto y = b->labels.to_vector<std::int64_t>();
    auto x = b->inputs[0].to_vector<float>();
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(x[2 * i] == static_cast<float>(2 * y[i]));
    CHECK(b->index == static_cast<std::int64_t>(out.size()));
    out.push_back(y);
  }
  return out;
}

}  // namespace tenet::testing
