#pragma once
// The competing CPU-bound process of the contention benchmarks (train_bench --contention,
// replica_bench): a child of this process (fork, spinning in a loop), stopped (SIGSTOP) in idle
// rounds, continued (SIGCONT) in busy ones, killed at the end or when this process dies
// (PR_SET_PDEATHSIG).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace tenet_bench {

class BusyProcess {
 public:
  BusyProcess() {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      volatile unsigned long spin = 0;
      for (;;) spin = spin + 1;
    }
    set(false);
  }
  ~BusyProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  BusyProcess(const BusyProcess&) = delete;
  BusyProcess& operator=(const BusyProcess&) = delete;
  void set(bool running) {
    kill(pid_, running ? SIGCONT : SIGSTOP);
    if (running) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // on its core
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace tenet_bench
