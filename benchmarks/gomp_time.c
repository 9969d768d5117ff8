// Measurement only (benchmarks/README.md, first section): the wall time a process spends inside
// OpenMP parallel regions (every GOMP_parallel call, any library), printed at exit with the
// number of regions. Per-call time minus time inside regions is the serial share, the work a
// second thread cannot shorten. Never use it for results.
//   gcc -O2 -shared -fPIC -o /tmp/gomp_time.so benchmarks/gomp_time.c -ldl
//   LD_PRELOAD=/tmp/gomp_time.so build/benchmarks/train_bench --predict-loop A 20000 [ref]
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double inside;
static long regions;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void report(void) {
  fprintf(stderr, "GOMP_parallel: %ld regions, %.3f s inside\n", regions, inside);
}

void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags) {
  static void (*real)(void (*)(void*), void*, unsigned, unsigned);
  if (!real) {
    real = (void (*)(void (*)(void*), void*, unsigned, unsigned))dlsym(RTLD_NEXT, "GOMP_parallel");
    atexit(report);
  }
  const double t0 = now();
  real(fn, data, num_threads, flags);
  inside += now() - t0;
  regions++;
}
