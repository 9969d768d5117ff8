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
    if (end && *end == '\0' && v > 0) base = v;
  }
  return milliseconds(base + 20 * static_cast<long long>(mib));  // 1 s + 20 ms per MiB
}
// Shutting libhdf5 down after the read frees a few structures: microseconds when the file was
// sound. Fuzzing found files after which it loops forever (and so would the program's exit).
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

[[noreturn]] void refuse_loop(const std::string& path, const std::string& kind, bool in_shutdown,
                              milliseconds allowed) {
  char secs_buf[32];
  std::snprintf(secs_buf, sizeof secs_buf, "%.1f s", allowed.count() / 1000.0);
  const std::string secs = secs_buf;
  if (in_shutdown)
    format_error(path, kind,
                 {"the HDF5 library loops after reading this file",
                  "a " + kind + " after which libhdf5 can shut down",
                  "the read finished, then shutting libhdf5 down did not finish in " + secs +
                      " of CPU time",
                  "the file's internal structures are corrupt in a way that leaves libhdf5's own "
                  "state broken (seen with fuzzed weights files); a program that read it would "
                  "hang when it exits. tenet read it in a separate process, so yours is unaffected",
                  "re-create the file; check it with h5dump"});
  format_error(path, kind,
               {"reading it does not finish: the HDF5 library loops on this file",
                "a " + kind + " that HDF5 reads in a bounded time",
                "no result after " + secs + " of CPU time",
                "the file's internal structures are corrupt in a way that makes libhdf5 loop "
                "(seen with corrupt global heaps); tenet stopped the read in a separate process",
                "re-create the file; check it with h5dump"});
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
  // The pipe carries one byte when the read is over, and reports POLLHUP when the child has
  // ended (its end closes with it); a short poll timeout keeps the budgets checked regardless.
  const milliseconds read_allowed = read_allowance(path);
  const auto wall_limit = wall_factor * (read_allowed + shutdown_allowance);
  const auto wall_start = std::chrono::steady_clock::now();
  bool read_over = false, child_gone = false;
  milliseconds phase_start_cpu{0};
  int status = 0;
  pid_t done = 0;
  for (;;) {
    done = ::waitpid(child, &status, WNOHANG);
    // -1 (ECHILD) when the program ignores SIGCHLD, so children are reaped unseen: then the
    // pipe's end of file is the only sign that the child has ended.
    if (done > 0 || (done < 0 && child_gone)) break;
    const milliseconds allowed = read_over ? shutdown_allowance : read_allowed;
    const milliseconds used = cpu_used(child) - phase_start_cpu;
    if (used > allowed || std::chrono::steady_clock::now() - wall_start > wall_limit) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      ::close(fds[0]);
      refuse_loop(path, kind, read_over, allowed);
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, child_gone ? 1 : 20);
    if (ready > 0 && (p.revents & POLLIN) != 0) {
      char byte = 0;
      if (::read(fds[0], &byte, 1) == 1 && !read_over) {
        read_over = true;
        phase_start_cpu = std::max(cpu_used(child), milliseconds(0));
      } else {
        child_gone = true;  // end of file: the child has closed its end
      }
    } else if (ready > 0 && (p.revents & (POLLHUP | POLLERR)) != 0) {
      child_gone = true;
    }
  }
  ::close(fds[0]);
  // The child ends with _exit(0) after reading; anything else (a signal, or a non-zero exit
  // such as a sanitizer's report of memory corruption inside libhdf5) is a crash.
  // Unseen exit status (SIGCHLD ignored): judged by whether the read got to its end.
  const bool crashed = done < 0 ? !read_over
                                : WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
  if (crashed)
    format_error(path, kind,
                 {read_over ? "the HDF5 library crashes after reading this file"
                            : "the HDF5 library crashes on this file",
                  "a " + kind + " that HDF5 can read",
                  done < 0 ? std::string("the reading process ended before the read did")
                  : WIFSIGNALED(status)
                      ? std::string("libhdf5 died with signal ") + std::to_string(WTERMSIG(status)) +
                            " (" + ::strsignal(WTERMSIG(status)) + ")" +
                            (read_over ? " while shutting down after the read" : "")
                      : "the reading process ended with status " +
                            std::to_string(WEXITSTATUS(status)),
                  "the file's internal structures are corrupt in a way libhdf5 does not check "
                  "(seen with corrupt local heaps); tenet read it in a separate process, so "
                  "your program is unaffected",
                  "re-create the file; check it with h5dump"});
}

}  // namespace tenet::data::detail
