#pragma once
// Double-precision references of the losses and the rows they are tested on.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tenet/losses/categorical_crossentropy.hpp>
#include <tenet/losses/mean_squared_error.hpp>
#include <tenet/losses/sparse_categorical_crossentropy.hpp>

#include "support/test_util.hpp"
#include "support/gradcheck.hpp"

namespace tenet::testing {
using namespace tenet;

using Rows = std::vector<std::vector<double>>;

inline Tensor rows_tensor(const Rows& r) {
  std::vector<float> v;
  for (const auto& row : r) v.insert(v.end(), row.begin(), row.end());
  return Tensor::from_vector(v, {static_cast<std::int64_t>(r.size()),
                                 static_cast<std::int64_t>(r[0].size())});
}

// Keras, from probabilities: p / sum(p), clipped to [1e-7, 1 - 1e-7], -sum(y log p), batch mean.
inline double ref_ce_probs(const Rows& p, const Rows& y) {
  double total = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double s = 0;
    for (double v : p[i]) s += v;
    for (std::size_t k = 0; k < p[i].size(); ++k)
      total -= y[i][k] * std::log(std::clamp(p[i][k] / s, 1e-7, 1 - 1e-7));
  }
  return total / static_cast<double>(p.size());
}

// From logits: log-sum-exp minus the true logit, in long double for headroom.
inline double ref_ce_logits(const Rows& z, const Rows& y) {
  long double total = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    long double m = *std::max_element(z[i].begin(), z[i].end()), s = 0;
    for (double v : z[i]) s += std::exp(static_cast<long double>(v) - m);
    for (std::size_t k = 0; k < z[i].size(); ++k) total += y[i][k] * (m + std::log(s) - z[i][k]);
  }
  return static_cast<double>(total / z.size());
}

inline Rows one_hot_rows(const std::vector<int>& idx, int c) {
  Rows r(idx.size(), std::vector<double>(static_cast<std::size_t>(c), 0.0));
  for (std::size_t i = 0; i < idx.size(); ++i) r[i][static_cast<std::size_t>(idx[i])] = 1;
  return r;
}

const Rows kProbs = {{0.7, 0.2, 0.1}, {0.0, 0.5, 0.5}, {0.2, 0.3, 0.5}, {1.0, 0.0, 0.0}};
const Rows kLogits = {{2.0, -1.0, 0.5}, {1000.0, -1000.0, 0.0}, {-3.0, 4.0, 4.0}, {0.1, 0.1, 0.1}};
const std::vector<int> kClasses = {0, 0, 2, 1};  // row 1 puts p = 0 on its class: the clip bites

}  // namespace tenet::testing
