#pragma once
// train_bench --contention: training speed while one other CPU-bound process runs
// (benchmarks/README.md, "Under contention").
#include <string>

#include "bench_common.hpp"

namespace tenet_bench {

// For each net: rounds alternating idle and busy (a child process spinning on one core),
// timing tenet (automatic thread count; its first 10 steps after each change apart), tenet
// pinned to one thread and to the full count, the reference and, where a Python with Keras is
// found, Keras; prints the medians busy and idle and busy / idle.
int contention(const Data& d, const std::string& nets, int rounds, int steps);

}  // namespace tenet_bench
