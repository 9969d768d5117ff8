#pragma once
// MeanSquaredError: mean of (prediction - target)^2 over every element, shape (). Targets have
// the predictions' shape ((N,) is accepted for (N, 1)); integer targets are read as float32.
#include <tenet/core/graph/loss.hpp>

namespace tenet {

class MeanSquaredError : public Loss {
 public:
  MeanSquaredError();
};

}  // namespace tenet
