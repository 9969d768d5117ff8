#include "data/hdf5_guard.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <hdf5.h>

#include "data/format_error.hpp"

namespace tenet::data::detail {

namespace {

using std::chrono::milliseconds;

// The fix for every file the guard refuses.
const char* const kRecreate = "re-create the file; check it with h5dump";

// CPU time the child may spend reading: generous, a legitimate file needs a small fraction of
// it. CPU time rather than wall time, so a busy machine never makes a good file look stuck.
// TENET_HDF5_CPU_BUDGET_MS replaces the 1 s base (scripts/fuzz.sh sets 100 ms: its inputs are
// small, and every input on which libhdf5 loops costs the whole budget).
milliseconds read_allowance(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto mib = ec ? 0ULL : size >> 20;
  long long base = 1000;
  if (const char* env = std::getenv("TENET_HDF5_CPU_BUDGET_MS"); env && *env) {
    char* end = nullptr;
    const long long v = std::strtoll(env, &end, 10);
    if (end && *end == '\0' && v > 0) base = std::min(v, 10'000'000LL);  // at most ~3 hours
  }
  return milliseconds(base + 20 * static_cast<long long>(mib));  // 1 s + 20 ms per MiB
}
// Shutting libhdf5 down after the read frees a few structures: microseconds when the file was
// sound. A file that leaves libhdf5's state broken can make it crash or loop there.
constexpr milliseconds shutdown_allowance{500};
// Wall-clock backstop for a child that is stuck without using the CPU.
constexpr int wall_factor = 20;

// CPU time used so far by process `pid` (a child that has not been reaped), or -1.
milliseconds cpu_used(pid_t pid) {
  clockid_t clock{};
  timespec ts{};
  if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0)
    return milliseconds(-1);
  return milliseconds(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

// `wall` is true when the wall-clock backstop ended the wait, not the CPU budget.
[[noreturn]] void refuse_loop(const std::string& path, const std::string& kind, bool in_shutdown,
                              milliseconds allowed, bool wall, milliseconds waited,
                              milliseconds cpu) {
  auto secs = [](milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
    return std::string(buf);
  };
  const std::string what =
      wall ? "no result after " + secs(waited) + " of waiting, while the reading process used " +
                 secs(std::max(cpu, milliseconds(0))) + " of CPU time"
           : "no result after " + secs(allowed) + " of CPU time";
  if (in_shutdown)
    format_error(path, kind,
                 {"the HDF5 library loops after reading this file",
                  "a " + kind + " after which libhdf5 can shut down",
                  "the read finished, then shutting libhdf5 down gave " + what,
                  "the file's internal structures are corrupt in a way that leaves libhdf5's own "
                  "state broken; tenet read it in a separate process, so yours is unaffected",
                  kRecreate});
  format_error(path, kind,
               {wall ? "reading it does not finish: the reading process is stuck"
                     : "reading it does not finish: the HDF5 library loops on this file",
                "a " + kind + " that HDF5 reads in a bounded time",
                what,
                wall ? "the reading process waited without running (a blocked file system, or a "
                       "lock held when it was started); tenet stopped it"
                     : "the file's internal structures are corrupt in a way that makes libhdf5 "
                       "loop (seen with corrupt global heaps); tenet stopped the read in a "
                       "separate process",
                kRecreate});
}

// In the child: read, tell the parent the read is over, shut libhdf5 down, exit.
[[noreturn]] void child_main(int done_fd, const std::function<void()>& read) {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
  const int null_fd = ::open("/dev/null", O_WRONLY);  // the parent prints what matters
  if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO), ::dup2(null_fd, STDERR_FILENO);
  // HDF5 objects open before the read (the program's own files): then the child must not
  // shut the library down, which would flush the child's copies of them.
  const bool others_open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0;
  try {
    read();
  } catch (...) {  // a ContractError or IOError is the parent's to raise again
  }
  const char done = 'r';
  [[maybe_unused]] auto n = ::write(done_fd, &done, 1);
  // Shutting the library down walks everything the read left behind: a file that corrupts
  // libhdf5's state without crashing the read itself (found by fuzzing: SIGSEGV, or an endless
  // loop, in H5_term_library at exit, long after the load) fails here instead, in the child.
  if (!others_open) H5close();
  const char closed = 'c';  // the shutdown is over too (read when the exit status is unseen)
  [[maybe_unused]] auto m = ::write(done_fd, &closed, 1);
  ::_exit(0);
}

}  // namespace

void probe_hdf5_read(const std::string& path, const std::string& kind,
                     const std::function<void()>& read) {
  // For fuzzing tenet's own reader in-process (scripts/fuzz.sh): libFuzzer then sees libhdf5's
  // crashes itself, and its fork mode keeps going past them.
  if (const char* in_process = std::getenv("TENET_HDF5_IN_PROCESS"); in_process && *in_process == '1')
    return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;  // cannot guard: read directly, as without it
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]), ::close(fds[1]);
    return;
  }
  if (child == 0) {
    ::close(fds[0]);
    child_main(fds[1], read);
  }
  ::close(fds[1]);
  // The child writes 'r' to the pipe when its read is over and 'c' when libhdf5 has shut down;
  // a short poll timeout keeps the budgets checked while nothing arrives.
  const milliseconds read_allowed = read_allowance(path);
  const auto wall_limit = wall_factor * (read_allowed + shutdown_allowance);
  const auto wall_start = std::chrono::steady_clock::now();
  bool read_over = false, shut_down = false;
  milliseconds phase_start_cpu{0};
  auto take = [&](char byte) {
    if (byte == 'r' && !read_over) {
      read_over = true;
      phase_start_cpu = std::max(cpu_used(child), milliseconds(0));
    } else if (byte == 'c') {
      shut_down = true;
    }
  };
  pollfd p{fds[0], POLLIN, 0};
  int status = 0;
  pid_t done = 0;
  for (;;) {
    done = ::waitpid(child, &status, WNOHANG);
    if (done > 0) break;
    if (done < 0 && errno == ECHILD) {
      // The program ignores SIGCHLD, so the child was reaped unseen: it has ended, and what
      // it wrote is in the pipe.
      char byte = 0;
      while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0 && ::read(fds[0], &byte, 1) == 1)
        take(byte);
      break;
    }
    const milliseconds allowed = read_over ? shutdown_allowance : read_allowed;
    const milliseconds cpu = cpu_used(child);
    const auto waited = std::chrono::steady_clock::now() - wall_start;
    const bool over_cpu = cpu - phase_start_cpu > allowed, over_wall = waited > wall_limit;
    if (over_cpu || over_wall) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      ::close(fds[0]);
      refuse_loop(path, kind, read_over, allowed, !over_cpu,
                  std::chrono::duration_cast<milliseconds>(waited), cpu);
    }
    char byte = 0;
    if (::poll(&p, 1, 20) > 0 && (p.revents & POLLIN) != 0 && ::read(fds[0], &byte, 1) == 1)
      take(byte);
  }
  ::close(fds[0]);
  // The child ends with _exit(0) after reading; anything else (a signal, or a non-zero exit
  // such as a sanitizer's report of memory corruption inside libhdf5) is a crash.
  // Unseen exit status (SIGCHLD ignored): judged by whether the child got to its last step.
  const bool crashed = done < 0 ? !shut_down
                                : WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
  if (crashed)
    format_error(path, kind,
                 {read_over ? "the HDF5 library crashes after reading this file"
                            : "the HDF5 library crashes on this file",
                  "a " + kind + " that HDF5 can read",
                  done < 0 ? std::string(read_over ? "the reading process ended while libhdf5 shut down"
                                                   : "the reading process ended before the read did")
                  : WIFSIGNALED(status)
                      ? std::string("libhdf5 died with signal ") + std::to_string(WTERMSIG(status)) +
                            " (" + ::strsignal(WTERMSIG(status)) + ")" +
                            (read_over ? " while shutting down after the read" : "")
                      : "the reading process ended with status " +
                            std::to_string(WEXITSTATUS(status)),
                  "the file's internal structures are corrupt in a way libhdf5 does not check "
                  "(seen with corrupt local heaps); tenet read it in a separate process, so "
                  "your program is unaffected",
                  kRecreate});
}

}  // namespace tenet::data::detail
