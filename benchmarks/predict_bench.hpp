#pragma once
// Inference in train_bench: tenet's Model::predict against the reference's forward pass, per
// call and in images/s, at a given batch (train_bench --predict; benchmarks/README.md).
#include <cstdint>

#include "bench_common.hpp"

namespace tenet_bench {

struct PredictTimes {
  double tenet_us = 0, ref_us = 0;  // median time of one call on `batch` images
};

// Alternates predict calls of tenet and of the reference on the same images (calls - 20 timed,
// after 20 warm-up calls); medians per call.
PredictTimes time_predict(char net, std::int64_t batch, const Data& d, int calls);

// Prints one line per net and batch (1, 4, 16, 256): microseconds per call, images/s, tenet/ref.
int predict_table(const Data& d, const std::string& nets);

// `calls` single-image predict calls of net `net` in tenet only (or in the reference only,
// `reference`), for a profiler (perf record, callgrind): train_bench --predict-loop C 20000 [ref].
// Prints the median time per call.
int predict_loop(char net, const Data& d, int calls, bool reference);

}  // namespace tenet_bench
