// Measurement only (benchmarks/README.md, "Under contention: what the scheduler gives"): how
// many cores a process of N independent spinning threads gets while K other single-thread
// processes spin, on this machine's scheduler. No synchronisation between the threads: the
// ceiling of any work split that never waits.
//   gcc -O2 -pthread -o /tmp/sched_share benchmarks/sched_share.c
//   for n in 1 2 3 4; do /tmp/sched_share $n 1; done; /tmp/sched_share 2 0
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop_flag = 0;

static void* spin(void* unused) {
  (void)unused;
  volatile unsigned long s = 0;
  while (!stop_flag) s++;
  return 0;
}

// /proc/cpuinfo's "model name" (lscpu's Model name), into `out`.
static void cpu_model(char* out, size_t size) {
  snprintf(out, size, "unknown CPU");
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
      snprintf(out, size, "%s", strchr(line, ':') + 2);
      out[strcspn(out, "\n")] = 0;
      break;
    }
  fclose(f);
}

static double seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

int main(int argc, char** argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : 2, others = argc > 2 ? atoi(argv[2]) : 1;
  if (argc > 3 || threads < 1 || threads > 16 || others < 0 || others > 8) {
    fprintf(stderr, "usage: sched_share [threads 1-16] [competing processes 0-8]\n");
    return 2;
  }
  pid_t kids[8];
  for (int k = 0; k < others; k++)
    if ((kids[k] = fork()) == 0)
      for (volatile unsigned long s = 0;; s++) {}
  usleep(100000);
  struct rusage r0, r1;
  struct timespec t0, t1;
  getrusage(RUSAGE_SELF, &r0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t th[16];
  for (int i = 0; i < threads; i++) pthread_create(&th[i], 0, spin, 0);
  sleep(3);
  stop_flag = 1;
  for (int i = 0; i < threads; i++) pthread_join(th[i], 0);
  getrusage(RUSAGE_SELF, &r1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double cpu = seconds(r1.ru_utime) - seconds(r0.ru_utime) + seconds(r1.ru_stime) -
                     seconds(r0.ru_stime);
  const double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  char model[256];
  cpu_model(model, sizeof model);
  printf("%d spinning threads, %d competing processes: %.2f cores  [%s]\n", threads, others,
         cpu / wall, model);
  for (int k = 0; k < others; k++) kill(kids[k], SIGKILL), waitpid(kids[k], 0, 0);
  return 0;
}
