#pragma once
// The libtorch half of train_bench (built as train_bench_torch only when libtorch is found):
// each function is one command-line mode of that program, run in a child process so that
// libtorch's threads never share a process with tenet's timings (benchmarks/README.md).
#include <string>

namespace tenet_bench {

// Runs this program with `args` and returns the number it prints.
double child_result(const std::string& args);
int first_step_torch(char net);                                // --first-step-torch A
int rss_torch(char net, int steps);                            // --rss-torch A
int torch_child(char net, int batch, int steps, int threads);  // --torch-child: seconds
int torch_latency(char net, int threads);                      // --torch-latency: microseconds
int check_torch();                                             // --check-torch

}  // namespace tenet_bench
