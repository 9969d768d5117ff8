#include "data/hdf5_guard.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include <hdf5.h>

#include "data/format_error.hpp"

namespace tenet::data::detail {

namespace {

// Generous: reading a legitimate file takes a small fraction of this.
std::chrono::milliseconds time_allowed(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto mib = ec ? 0ULL : size >> 20;
  return std::chrono::milliseconds(4000 + 20 * mib);  // 4 s + 20 ms per MiB
}

}  // namespace

void probe_hdf5_read(const std::string& path, const std::string& kind,
                     const std::function<void()>& read) {
  // For fuzzing tenet's own reader in-process (scripts/fuzz.sh): libFuzzer then sees libhdf5's
  // crashes itself, and its fork mode keeps going past them.
  if (const char* in_process = std::getenv("TENET_HDF5_IN_PROCESS"); in_process && *in_process == '1')
    return;
  const pid_t child = ::fork();
  if (child < 0) return;  // cannot fork: read directly, as without the guard
  if (child == 0) {
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
    // Shutting the library down walks everything the read left behind: a file that corrupts
    // libhdf5's state without crashing the read itself (seen by fuzzing: SIGSEGV in
    // H5_term_library at exit, long after the load) crashes here instead, in the child.
    if (!others_open) H5close();
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + time_allowed(path);
  int status = 0;
  pid_t done = 0;
  // Wake when the child ends (a pidfd becomes readable), else poll with growing pauses.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    while ((done = ::waitpid(child, &status, WNOHANG)) == 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      if (::poll(&p, 1, static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) break;
    }
    ::close(pidfd);
  }
  auto pause = std::chrono::microseconds(50);
  while (done == 0 && (done = ::waitpid(child, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    format_error(path, kind,
                 {"reading it does not finish: the HDF5 library loops on this file",
                  "a " + kind + " that HDF5 reads in a bounded time",
                  "no result after " + std::to_string(time_allowed(path).count() / 1000) + " s",
                  "the file's internal structures are corrupt in a way that makes libhdf5 loop "
                  "(seen with corrupt global heaps); tenet stopped the read in a separate process",
                  "re-create the file; check it with h5dump"});
  }
  // The child ends with _exit(0) after reading; anything else (a signal, or a non-zero exit
  // such as a sanitizer's report of memory corruption inside libhdf5) is a crash.
  const bool crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
  if (crashed)
    format_error(path, kind,
                 {"the HDF5 library crashes on this file",
                  "a " + kind + " that HDF5 can read",
                  WIFSIGNALED(status)
                      ? std::string("libhdf5 died with signal ") + std::to_string(WTERMSIG(status)) +
                            " (" + ::strsignal(WTERMSIG(status)) + ")"
                      : "the reading process ended with status " +
                            std::to_string(WEXITSTATUS(status)),
                  "the file's internal structures are corrupt in a way libhdf5 does not check "
                  "(seen with corrupt local heaps); tenet read it in a separate process, so "
                  "your program is unaffected",
                  "re-create the file; check it with h5dump"});
}

}  // namespace tenet::data::detail
