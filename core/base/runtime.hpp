#pragma once
// Process-wide settings of tenet's kernels: the thread count and the denormal mode.
namespace tenet {
// Threads used by tenet's kernels (oneDNN's OpenMP pool). Defaults to the machine's cores.
void set_num_threads(int n);
int num_threads();
// Denormal floats (below 1.2e-38) are flushed to zero in tenet's kernels by default, as
// TensorFlow does: gradients that decayed into that range made a convolution's backward 35x
// slower here (docs/architecture.md, "Kernels and layouts"). The calling thread's own mode is
// restored after each kernel; the OpenMP pool's worker threads keep it.
// set_flush_denormals(false) keeps denormals (IEEE).
void set_flush_denormals(bool on);
bool flush_denormals();
}  // namespace tenet
