#pragma once
// What train_bench and its libtorch half share: the three benchmark nets in tenet, the
// Fashion-MNIST slice they train on, and small measurement helpers (benchmarks/README.md).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "core/base/thread_governor.hpp"
#include "cpu_model.hpp"

namespace tenet_bench {

using Clock = std::chrono::steady_clock;

// Net A, B or C of benchmarks/README.md as a tenet Model, and its compile (SGD 0.01,
// momentum 0.9, sparse softmax cross-entropy from logits).
tenet::Model build_net(char net);
void compile(tenet::Model& m);

struct Data {
  tenet::Tensor images, thumbs, labels;  // float (N, 28, 28, 1), (N, 14, 14, 1), int32 (N,)
};
// The first n training images of Fashion-MNIST in [0, 1], their 14x14 thumbnails and labels.
Data load(std::int64_t n);

double median(std::vector<double> v);
double peak_rss_mib();                  // VmHWM of this process
double rss_mib();                       // VmRSS of this process
double seconds_since_process_start();  // from /proc, 10 ms resolution
double load_average();                 // the 1-minute load average of the machine

// A thread governor's decisions from counted step `from` on, on one line after `prefix`:
// " [step what threads (seconds vs usual us)]" (train_bench --contention --trace, --predict-loop).
void print_decisions(const char* prefix,
                     const std::vector<tenet::runtime::ThreadGovernor::Decision>& decisions,
                     std::int64_t from = 0);

}  // namespace tenet_bench
