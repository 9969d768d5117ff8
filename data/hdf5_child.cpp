// The HDF5 guard's reading process (data/hdf5_guard.hpp): started as a fork of the program or
// as the tenet-h5-reader helper, watched for CPU time and wall time, its result collected
// through a pipe; refusals for a process that crashes, loops or sends garbage.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "data/format_error.hpp"
#include "data/hdf5_guard.hpp"

// Set by libFuzzer in a fuzzing build: a sanitizer report in the child would otherwise save
// the input as a crash of the whole program, though the program only refuses the file.
extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));
extern char** environ;

namespace tenet::data::detail {

namespace {

using std::chrono::milliseconds;

// The fix for every file the guard refuses.
const char* const kRecreate = "re-create the file; check it with h5dump";
// The helper's exit status when it was built from another version of tenet.
constexpr int kWrongProtocol = 64;
// Wall-clock backstop for a process that is stuck without using the CPU.
constexpr int kWallFactor = 20;

// ------------------------------------------------------------------------- in the child

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ::_exit(3);  // the parent is gone or stopped listening
    p += w, n -= static_cast<std::size_t>(w);
  }
}

// Runs the read, sends its result (a length, then the bytes) and exits without running any
// exit handler (libhdf5's teardown, the program's atexit work and stdio buffers are the
// parent's).
[[noreturn]] void send_result(int out_fd, const std::function<void(WireOut&)>& read) {
  try {
    const std::string bytes = encode_read(read);
    const std::uint64_t n = bytes.size();
    write_all(out_fd, reinterpret_cast<const char*>(&n), sizeof n);
    write_all(out_fd, bytes.data(), bytes.size());
  } catch (...) {  // no memory left to report the outcome: the parent sees no result
    ::_exit(4);
  }
  ::_exit(0);
}

[[noreturn]] void child_main(int out_fd, const std::function<void(WireOut&)>& read) {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
  const int null_fd = ::open("/dev/null", O_WRONLY);  // the parent prints what matters
  if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO), ::dup2(null_fd, STDERR_FILENO);
  send_result(out_fd, read);
}

// ------------------------------------------------------------------------ starting it

// The pipe's write end goes to a fork (which runs `read`) or to the helper (its stdout).
pid_t start_fork(int out_fd, int in_fd, const std::function<void(WireOut&)>& read) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(in_fd);
    child_main(out_fd, read);
  }
  return child;
}

pid_t start_helper(int out_fd, const std::string& exe, const std::string& path,
                   const HelperRead& helper) {
  std::vector<std::string> args{exe, kHelperProtocol, helper.reader, path};
  args.insert(args.end(), helper.args.begin(), helper.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&files);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&files, out_fd, STDOUT_FILENO);  // clears its O_CLOEXEC
  ::posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  sigset_t none, defaults;  // the helper starts with no signal blocked and none ignored
  sigemptyset(&none);
  sigfillset(&defaults);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t child = -1;
  const int err = ::posix_spawn(&child, exe.c_str(), &files, &attr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&files);
  ::posix_spawnattr_destroy(&attr);
  if (err != 0) errno = err;
  return err == 0 ? child : -1;
}

// ---------------------------------------------------------------------- watching it

// CPU time used so far by process `pid` (a child that has not been reaped), or -1.
milliseconds cpu_used(pid_t pid) {
  clockid_t clock{};
  timespec ts{};
  if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0)
    return milliseconds(-1);
  return milliseconds(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

std::string secs(milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// `wall` is true when the wall-clock backstop ended the wait, not the CPU budget.
[[noreturn]] void refuse_loop(const std::string& path, const std::string& kind,
                              milliseconds allowed, bool wall, milliseconds waited,
                              milliseconds cpu) {
  format_error(path, kind,
               {wall ? "reading it does not finish: the reading process is stuck"
                     : "reading it does not finish: the HDF5 library loops on this file",
                "a " + kind + " that HDF5 reads in a bounded time",
                wall ? "no result after " + secs(waited) + " of waiting, while the reading "
                           "process used " + secs(std::max(cpu, milliseconds(0))) + " of CPU time"
                     : "no result after " + secs(allowed) + " of CPU time",
                wall ? "the reading process waited without running (a blocked file system, or a "
                       "lock held when it was started); tenet stopped it"
                     : "the file's internal structures are corrupt in a way that makes libhdf5 "
                       "loop (seen with corrupt global heaps); tenet stopped the read in a "
                       "separate process",
                kRecreate});
}

// The reading process and the read end of its pipe; neither outlives the call that started
// them, whatever ends it (a refusal, or bad_alloc while collecting the result).
struct Child {
  pid_t pid;
  int fd;
  bool reaped = false;
  int status = 0;
  bool exited = false;  // `status` is the process's own (false: reaped unseen, or killed by us)
  ~Child() {
    ::close(fd);
    if (!reaped) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
  }
  void kill_and_reap() {
    ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0), reaped = true;
  }
};

// What the process sent: a length, then that many bytes.
class Result {
 public:
  Result(Child& child, const std::string& path, const std::string& kind, const std::string& exe)
      : child_(child), path_(path), kind_(kind), exe_(exe) {}
  bool complete() const {
    return got_.size() >= sizeof declared_ && got_.size() - sizeof declared_ == declared_;
  }
  enum Drained { kMore, kIdle, kEnd };
  // Reads what arrives within `timeout_ms`: kMore (bytes came), kIdle (none), kEnd (the pipe
  // is closed).
  Drained drain(int timeout_ms) {
    pollfd p{child_.fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) return kIdle;
    const ssize_t n = ::read(child_.fd, chunk_, sizeof chunk_);
    if (n > 0) append(static_cast<std::size_t>(n));
    return n > 0 ? kMore : n < 0 && errno == EINTR ? kIdle : kEnd;
  }
  std::string take() { return std::move(got_); }

 private:
  void append(std::size_t n) {
    constexpr std::uint64_t kMaxResult = std::uint64_t{1} << 40;  // a larger length is garbage
    const bool had_length = got_.size() >= sizeof declared_;
    got_.append(chunk_, n);
    if (!had_length && got_.size() >= sizeof declared_) {
      std::memcpy(&declared_, got_.data(), sizeof declared_);
      if (declared_ > kMaxResult) malformed("a result of " + std::to_string(declared_) + " bytes");
      try {
        got_.reserve(sizeof declared_ + declared_);
      } catch (const std::bad_alloc&) {  // a real lack of memory: said as for any tensor
        child_.kill_and_reap();
        throw Error("tenet: out of memory: could not allocate " + bytes_str(declared_) +
                    " for the arrays read from " + path_ + "; free memory, or use a smaller "
                    "file (data::load_h5(path, names) reads only the arrays named)");
      }
    }
    if (got_.size() >= sizeof declared_ && got_.size() - sizeof declared_ > declared_)
      malformed("more bytes than the " + std::to_string(declared_) + " it announced");
  }
  [[noreturn]] void malformed(const std::string& what) {
    child_.kill_and_reap();
    if (!exe_.empty())  // the helper encodes its own result: garbage means another program
      refuse_helper(path_, exe_, exe_ + " sent " + what + " while reading " + path_ +
                                     ": it is not a tenet-h5-reader of this tenet");
    WireIn(std::string(), path_, kind_).fail(what);
  }
  Child& child_;
  const std::string& path_;
  const std::string& kind_;
  const std::string& exe_;  // the helper, or "" for a fork
  std::string got_;
  std::uint64_t declared_ = 0;
  char chunk_[1 << 16];  // a fresh heap buffer per read costs a page fault per page
};

// Collects the result until the process has exited, checking its CPU time in between (a short
// poll timeout keeps the budget checked while nothing arrives); refuses a process that runs
// past its budget without having sent everything.
void collect(Child& child, Result& result, const std::string& path, const std::string& kind,
             milliseconds allowed) {
  const auto wall_start = std::chrono::steady_clock::now();
  bool eof = false;
  for (;;) {
    if (!eof) eof = result.drain(20) == Result::kEnd;
    else ::poll(nullptr, 0, 1);  // the pipe closed: the process is exiting, look again shortly
    const pid_t done = ::waitpid(child.pid, &child.status, WNOHANG);
    if (done > 0 || (done < 0 && errno == ECHILD)) {
      // Ended (or reaped unseen: the program ignores SIGCHLD); what it wrote is in the pipe.
      child.reaped = true, child.exited = done > 0;
      while (!eof && result.drain(0) == Result::kMore) {}
      return;
    }
    const milliseconds cpu = cpu_used(child.pid);
    const auto waited = std::chrono::steady_clock::now() - wall_start;
    const bool over_cpu = cpu > allowed, over_wall = waited > kWallFactor * allowed;
    if (!over_cpu && !over_wall) continue;
    child.kill_and_reap();
    if (result.complete()) return;  // it had finished and sent everything: only its exit was late
    refuse_loop(path, kind, allowed, !over_cpu, std::chrono::duration_cast<milliseconds>(waited),
                cpu);
  }
}

// Anything but a complete result (a signal, a non-zero exit such as a sanitizer's report of
// memory corruption inside libhdf5, or a result cut short) is a crash.
[[noreturn]] void refuse_crash(const Child& child, const std::string& path,
                               const std::string& kind, const std::string& exe) {
  const int st = child.status;
  // tenet's reader sends its whole result before it exits with status 0.
  if (!exe.empty() && child.exited && WIFEXITED(st) && WEXITSTATUS(st) == 0)
    refuse_helper(path, exe, exe + " exited with status 0 without sending a result while "
                             "reading " + path + ": it is not a tenet-h5-reader");
  if (child.exited && WIFEXITED(st) && WEXITSTATUS(st) == kWrongProtocol)
    io_error(path, "the HDF5 reading helper " + exe + " belongs to another version of tenet",
             "rebuild or reinstall tenet, or point TENET_H5_READER to the tenet-h5-reader "
             "built with this program");
  format_error(path, kind,
               {"the HDF5 library crashes on this file", "a " + kind + " that HDF5 can read",
                child.exited && WIFSIGNALED(st)
                    ? std::string("libhdf5 died with signal ") + std::to_string(WTERMSIG(st)) +
                          " (" + ::strsignal(WTERMSIG(st)) + ")"
                : child.exited && WIFEXITED(st) && WEXITSTATUS(st) != 0
                    ? "the reading process ended with status " + std::to_string(WEXITSTATUS(st))
                    : "the reading process ended before sending its result",
                "the file's internal structures are corrupt in a way libhdf5 does not check "
                "(seen with corrupt local heaps); tenet read it in a separate process, so "
                "your program is unaffected",
                kRecreate});
}

}  // namespace

WireIn read_in_other_process(const std::string& path, const std::string& kind,
                             milliseconds allowed, const std::function<void(WireOut&)>& read,
                             const HelperRead* helper, const std::string& helper_exe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    io_error(path, std::string("cannot start the reading process: pipe: ") + std::strerror(errno));
  ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);  // fewer round trips for large arrays; best effort
  const pid_t pid = helper ? start_helper(fds[1], helper_exe, path, *helper)
                           : start_fork(fds[1], fds[0], read);
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]), ::close(fds[1]);
    io_error(path, std::string("cannot start the reading process: ") +
                       (helper ? "posix_spawn " + helper_exe : std::string("fork")) + ": " +
                       std::strerror(err),
             "free memory or raise the process limit (ulimit -u)");
  }
  ::close(fds[1]);
  Child child{pid, fds[0]};
  Result result(child, path, kind, helper_exe);
  collect(child, result, path, kind, allowed);
  // A complete result is the process's work done, whatever ended it afterwards (nothing runs
  // between its last write and _exit).
  if (!result.complete()) refuse_crash(child, path, kind, helper_exe);
  WireIn in(result.take(), path, kind);
  in.u64();  // the length, checked above
  raise_outcome(in);
  return in;
}

// ------------------------------------------------------------------- the helper's main

int helper_main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[1], kHelperProtocol) != 0) {
    std::fprintf(stderr, "tenet-h5-reader: started by a tenet of another version (protocol %s, "
                 "this helper speaks %s)\n", argc > 1 ? argv[1] : "none", kHelperProtocol);
    return kWrongProtocol;
  }
  const std::string reader = argv[2], path = argv[3];
  const std::vector<std::string> args(argv + 4, argv + argc);
  send_result(STDOUT_FILENO, [&](WireOut& out) {
    if (reader == "load_h5") return helper_read_h5(path, args, out);
    if (reader == "load_weights") return helper_read_weights(path, args, out);
    throw std::runtime_error("tenet-h5-reader: no reader named '" + reader + "'");
  });
}

}  // namespace tenet::data::detail
