#pragma once
// Process-wide settings of tenet's kernels: the thread count, the denormal mode and the
// convolution algorithm.
namespace tenet {
// Threads used by tenet's kernels (oneDNN's OpenMP pool), docs/performance.md. By default
// (automatic) every training step of a Model runs on up to the machine's cores, and drops to
// one thread while that is measurably faster (another process busy on the machine): results
// can then differ in the last bits between runs, since some kernels sum in another order on
// another thread count. set_num_threads(n), n >= 1, pins n threads (results bitwise the same
// from run to run); set_num_threads(0) (or a negative n) returns to automatic. n above
// max(1024, the machine's processors) raises options.invalid: the OpenMP runtime ends the process
// when the system refuses one of its threads. OMP_NUM_THREADS set in the environment pins as
// set_num_threads does (a larger value pins that most; 0, negative or not a number: automatic).
void set_num_threads(int n);
int num_threads();        // the pinned count, else the machine's cores
bool adaptive_threads();  // true unless pinned
// Denormal floats (below 1.2e-38) are flushed to zero in tenet's kernels by default, as
// TensorFlow does: gradients that decayed into that range made a convolution's backward 35x
// slower here (docs/architecture.md, "Denormals and threads"). The same mode covers each whole
// step of a Model (a training step, a batch of evaluate or predict: user code called inside
// it too, such as a custom layer's call or a custom loss) and every optimizer update. The
// calling thread's own mode is restored after each kernel or step; the OpenMP pool's worker
// threads keep it.
// set_flush_denormals(false) keeps denormals (IEEE).
void set_flush_denormals(bool on);
bool flush_denormals();
// How Conv2D computes (docs/performance.md, "Convolution algorithms"). `automatic` (the default)
// runs each pass of a 3x3, stride-1, undilated convolution with Winograd's algorithm where a fixed
// rule on its channels, image size and batch says it is faster, and every other convolution direct;
// the rule reads the geometry and the CPU's maker only (its boundaries differ between Intel and AMD
// processors, so the bits can differ between two such machines), never a timing, so results stay
// bitwise the same from run to run at a given thread count. `direct` computes every convolution
// directly, giving the bits of tenet before Winograd (Winograd's differ in the last bits, about
// 1e-6 of the outputs). Takes effect at each Conv2D's next call; any other value raises
// options.invalid. Until the first call, the environment variable TENET_CONVOLUTION_ALGORITHM
// (automatic or direct, exactly; unset or empty: automatic) decides, read once when accepted;
// another value raises options.invalid at each Conv2D call (read again) until it is fixed or
// set_convolution_algorithm is called.
enum class ConvolutionAlgorithm { automatic, direct };
void set_convolution_algorithm(ConvolutionAlgorithm algorithm);
ConvolutionAlgorithm convolution_algorithm();
}  // namespace tenet
