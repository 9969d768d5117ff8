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
// Then, where the count is automatic, how fast it follows the load: steps (and images lost
// against the pinned counts) until one thread after the competitor starts, and until the full
// count after it stops; `trace` prints the governor's decisions in each of those rounds.
int contention(const Data& d, const std::string& nets, int rounds, int steps, bool trace);

// train_bench --idle-cost: the automatic count against the full count pinned, alternating
// blocks of `steps` steps with no competing process; prints the median ratio per net.
int idle_cost(const Data& d, const std::string& nets, int rounds, int steps);

}  // namespace tenet_bench
