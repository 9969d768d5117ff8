#pragma once
// The Keras-written fixtures of tests/fixtures/keras/ (scripts/make_keras_fixtures.py): paths,
// their inputs and Keras's predictions, and the largest difference between two predictions.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::keras_fixtures {

inline std::string path(const std::string& name) {
  return std::string(TENET_SOURCE_DIR) + "/tests/fixtures/keras/" + name;
}

struct IO {
  std::vector<Tensor> x;
  Tensor pred;
};

// NAME.io.h5: inputs x0, x1, ... and Keras's predictions.
inline IO io(const std::string& name) {
  auto arrays = data::load_h5(path(name + ".io.h5"));
  IO out;
  for (int i = 0; arrays.count("x" + std::to_string(i)); ++i)
    out.x.push_back(arrays.at("x" + std::to_string(i)));
  out.pred = arrays.at("pred");
  return out;
}

inline double max_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  const float* p = a.data<float>();
  const float* q = b.data<float>();
  double d = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) d = std::max(d, std::fabs(double(p[i]) - q[i]));
  return d;
}

}  // namespace tenet::keras_fixtures
