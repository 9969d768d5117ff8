#pragma once
// Process-wide settings of tenet's kernels: the thread count and the denormal mode.
namespace tenet {
// Threads used by tenet's kernels (oneDNN's OpenMP pool). Defaults to the machine's cores.
void set_num_threads(int n);
int num_threads();
// Denormal floats (below 1.2e-38) are flushed to zero in tenet's kernels by default, as
// TensorFlow does: gradients that decay into that range otherwise make convolutions 20x
// slower on x86 (benchmarks/README.md). set_flush_denormals(false) keeps them (IEEE).
void set_flush_denormals(bool on);
bool flush_denormals();
}  // namespace tenet
