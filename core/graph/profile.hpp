#pragma once
// Per-layer timing of forward and backward passes. When profiling is on, LayerImpl::call times
// each layer's forward and wraps the backward closures its call created, so every autograd
// node is charged to the layer that made it. Model::profile prints the table for a model.
// Internal (not installed): users call Model::profile.
#include <string>
#include <vector>

namespace tenet {

struct LayerTiming {
  std::string layer;      // "conv2d_1 (Conv2D)"
  double forward_ms = 0;  // summed over the profiled steps
  double backward_ms = 0;
  int calls = 0;
};

namespace profiling {
bool enabled();
void start();                          // clears the table and turns profiling on
std::vector<LayerTiming> stop();       // turns it off and returns the table (first-call order)
void record(const std::string& layer, bool backward, double ms);
}  // namespace profiling

}  // namespace tenet
