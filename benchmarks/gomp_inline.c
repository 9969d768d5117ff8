// Measurement only (benchmarks/README.md): runs every one-thread GOMP_parallel region inline, so
// no team is allocated, to estimate what one-thread parallel regions cost a single-image
// predict. It changes omp_in_parallel() inside such regions; never use it for results.
//   gcc -O2 -shared -fPIC -fopenmp -o /tmp/gomp_inline.so benchmarks/gomp_inline.c -ldl
//   OMP_NUM_THREADS=1 LD_PRELOAD=/tmp/gomp_inline.so build/benchmarks/train_bench --predict-loop A 3000
#define _GNU_SOURCE
#include <dlfcn.h>
#include <omp.h>

void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags) {
  static void (*real)(void (*)(void*), void*, unsigned, unsigned);
  if (num_threads == 1 || (num_threads == 0 && omp_get_max_threads() == 1)) {
    fn(data);
    return;
  }
  if (!real) real = (void (*)(void (*)(void*), void*, unsigned, unsigned))dlsym(RTLD_NEXT, "GOMP_parallel");
  real(fn, data, num_threads, flags);
}
