// Counts heap allocations (malloc, calloc, realloc, the memalign family) and prints the total at
// exit: the per-call allocation counts of benchmarks/README.md. Measurement only, not built by
// CMake:
//   gcc -O2 -shared -fPIC -o /tmp/malloc_count.so benchmarks/malloc_count.c
//   OMP_NUM_THREADS=1 LD_PRELOAD=/tmp/malloc_count.so build/benchmarks/train_bench --predict-loop A 1000
// (and 3000: the difference / 2000 is the count per call).
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>

static unsigned long long n_alloc;
extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static void count(void) { __atomic_add_fetch(&n_alloc, 1, __ATOMIC_RELAXED); }
void* malloc(size_t n) { count(); return __libc_malloc(n); }
void* calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void* realloc(void* p, size_t n) { count(); return __libc_realloc(p, n); }
void* memalign(size_t a, size_t n) { count(); return __libc_memalign(a, n); }
void* aligned_alloc(size_t a, size_t n) { count(); return __libc_memalign(a, n); }
int posix_memalign(void** p, size_t a, size_t n) {
  count();
  *p = __libc_memalign(a, n);
  return *p ? 0 : 12;  // ENOMEM
}
__attribute__((destructor)) static void report(void) {
  fprintf(stderr, "heap allocations: %llu\n", n_alloc);
}
