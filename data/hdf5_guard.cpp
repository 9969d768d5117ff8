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
#include <new>

#include "core/error.hpp"
#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"

// Set by libFuzzer in a fuzzing build: a sanitizer report in the child would otherwise save
// the input as a crash of the whole program, though the program only refuses the file.
extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace tenet::data::detail {

// ------------------------------------------------------------------------------ the child

namespace {

using std::chrono::milliseconds;

// The fix for every file the guard refuses.
const char* const kRecreate = "re-create the file; check it with h5dump";

// What the child sends first: how its read ended.
enum Outcome : std::uint64_t { kResult, kContract, kIO, kNoMemory, kOther };

// CPU time the child may spend reading: generous, a legitimate file needs a small fraction of
// it. CPU time rather than wall time, so a busy machine never makes a good file look stuck.
// TENET_HDF5_CPU_BUDGET_MS replaces the 1 s base (scripts/fuzz.sh sets 25 ms: its inputs are
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
[[noreturn]] void refuse_loop(const std::string& path, const std::string& kind,
                              milliseconds allowed, bool wall, milliseconds waited,
                              milliseconds cpu) {
  auto secs = [](milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
    return std::string(buf);
  };
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

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ::_exit(3);  // the parent is gone or stopped listening
    p += w, n -= static_cast<std::size_t>(w);
  }
}

// In the child: read, send the result (or the error) to the parent, exit without running any
// exit handler (libhdf5's teardown, the program's atexit work and stdio buffers are the
// parent's).
[[noreturn]] void child_main(int out_fd, const std::function<void(WireOut&)>& read) {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
  const int null_fd = ::open("/dev/null", O_WRONLY);  // the parent prints what matters
  if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO), ::dup2(null_fd, STDERR_FILENO);
  try {
    WireOut out;
    try {
      out.u64(kResult);
      read(out);
    } catch (const ContractError& e) {
      const ContractInfo& i = e.info();
      out.bytes.clear();
      out.u64(kContract);
      for (const std::string* s : {&i.code, &i.where.name, &i.where.type, &i.where.file,
                                   &i.summary, &i.expected, &i.actual, &i.cause, &i.fix})
        out.str(*s);
      out.u64(static_cast<std::uint64_t>(i.phase));
      out.u64(i.where.line);
      out.u64(i.marked.size());
      for (int m : i.marked) out.u64(static_cast<std::uint64_t>(m));
      out.strs(i.provenance);
    } catch (const IOError& e) {
      out.bytes.clear();
      out.u64(kIO);
      out.str(e.what());
    } catch (const std::bad_alloc&) {
      out.bytes.clear();
      out.u64(kNoMemory);
    } catch (const std::exception& e) {
      out.bytes.clear();
      out.u64(kOther);
      out.str(e.what());
    } catch (...) {
      out.bytes.clear();
      out.u64(kOther);
      out.str("tenet: the reader raised an exception that is not a std::exception");
    }
    const std::uint64_t n = out.bytes.size();
    write_all(out_fd, reinterpret_cast<const char*>(&n), sizeof n);
    write_all(out_fd, out.bytes.data(), out.bytes.size());
  } catch (...) {  // no memory left to report the outcome: the parent sees no result
    ::_exit(4);
  }
  ::_exit(0);
}

// Raises again, in the caller's process, what the child's read raised; returns on success.
void raise_outcome(WireIn& in) {
  switch (in.u64()) {
    case kResult:
      return;
    case kContract: {
      ContractInfo i;
      for (std::string* s : {&i.code, &i.where.name, &i.where.type, &i.where.file, &i.summary,
                             &i.expected, &i.actual, &i.cause, &i.fix})
        *s = in.str();
      i.phase = static_cast<Phase>(in.u64() % 3);
      i.where.line = static_cast<unsigned>(in.u64());
      i.marked.resize(in.u64() % 64);
      for (int& m : i.marked) m = static_cast<int>(in.u64());
      i.provenance = in.strs();
      throw ContractError(std::move(i));
    }
    case kIO:
      throw IOError(in.str());
    case kNoMemory:
      throw std::bad_alloc();
    case kOther:
      throw std::runtime_error(in.str());
    default:
      in.fail("an unknown outcome code");
  }
}

}  // namespace

WireIn read_in_child(const std::string& path, const std::string& kind,
                     const std::function<void(WireOut&)>& read) {
  // For fuzzing tenet's own reader in-process (scripts/fuzz.sh): libFuzzer then sees libhdf5's
  // crashes itself, and its fork mode keeps going past them.
  if (const char* in_process = std::getenv("TENET_HDF5_IN_PROCESS"); in_process && *in_process == '1') {
    WireOut out;
    read(out);
    return WireIn(std::move(out.bytes), path, kind);
  }
  // libhdf5 starts up here, once, not in every child: a child inherits it ready (starting it
  // takes longer than reading a small file). Starting it reads no file.
  silence_hdf5();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    io_error(path, std::string("cannot start the reading process: pipe: ") + std::strerror(errno));
  ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);  // fewer round trips for large arrays; best effort
  const pid_t child = ::fork();
  if (child < 0) {
    const int err = errno;
    ::close(fds[0]), ::close(fds[1]);
    io_error(path, std::string("cannot start the reading process: fork: ") + std::strerror(err),
             "free memory or raise the process limit (ulimit -u)");
  }
  if (child == 0) {
    ::close(fds[0]);
    child_main(fds[1], read);
  }
  ::close(fds[1]);
  // Whatever happens below (a refusal, or bad_alloc while collecting the result), the child
  // does not outlive this call and the pipe is closed.
  struct Reaper {
    pid_t pid;
    int fd;
    bool reaped = false;
    ~Reaper() {
      ::close(fd);
      if (!reaped) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    }
  } reaper{child, fds[0]};
  // Collect what the child sends (a length, then that many bytes) until it has exited,
  // checking its CPU time in between; a short poll timeout keeps the budget checked while
  // nothing arrives.
  const milliseconds allowed = read_allowance(path);
  const auto wall_start = std::chrono::steady_clock::now();
  std::string got;
  std::uint64_t declared = 0;
  constexpr std::uint64_t kMaxResult = std::uint64_t{1} << 40;  // a larger length is garbage
  char chunk[1 << 16];  // on the stack: a fresh heap buffer per read costs a page fault per page
  pollfd p{fds[0], POLLIN, 0};
  auto complete = [&] { return got.size() >= sizeof declared && got.size() - sizeof declared == declared; };
  auto malformed = [&](const std::string& what) {
    ::kill(child, SIGKILL), ::waitpid(child, nullptr, 0), reaper.reaped = true;
    WireIn(std::string(), path, kind).fail(what);
  };
  auto drain = [&](int timeout_ms) {  // false at end of file
    if (::poll(&p, 1, timeout_ms) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) return true;
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n > 0) {
      const bool had_length = got.size() >= sizeof declared;
      got.append(chunk, static_cast<std::size_t>(n));
      if (!had_length && got.size() >= sizeof declared) {
        std::memcpy(&declared, got.data(), sizeof declared);
        if (declared > kMaxResult) malformed("a result of " + std::to_string(declared) + " bytes");
        got.reserve(sizeof declared + declared);  // bad_alloc here is a real lack of memory
      }
      if (got.size() >= sizeof declared && got.size() - sizeof declared > declared)
        malformed("more bytes than the " + std::to_string(declared) + " it announced");
    }
    return n > 0 || (n < 0 && errno == EINTR);
  };
  int status = 0;
  pid_t done = 0;
  bool eof = false;
  for (;;) {
    if (!eof) eof = !drain(20);
    else ::poll(nullptr, 0, 1);  // the pipe closed: the child is exiting, look again shortly
    done = ::waitpid(child, &status, WNOHANG);
    if (done > 0 || (done < 0 && errno == ECHILD)) {
      // Ended (or reaped unseen: the program ignores SIGCHLD); what it wrote is in the pipe.
      reaper.reaped = true;
      while (!eof && drain(0) && (p.revents & POLLIN) != 0) {}
      break;
    }
    const milliseconds cpu = cpu_used(child);
    const auto waited = std::chrono::steady_clock::now() - wall_start;
    const bool over_cpu = cpu > allowed, over_wall = waited > wall_factor * allowed;
    if (over_cpu || over_wall) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      reaper.reaped = true;
      if (complete()) break;  // it had finished and sent everything: only its exit was late
      refuse_loop(path, kind, allowed, !over_cpu,
                  std::chrono::duration_cast<milliseconds>(waited), cpu);
    }
  }
  // A complete result is the child's work done, whatever ended it afterwards (nothing runs
  // between its last write and _exit). Anything else (a signal, a non-zero exit such as a
  // sanitizer's report of memory corruption inside libhdf5, or a result cut short) is a crash.
  if (!complete())
    format_error(path, kind,
                 {"the HDF5 library crashes on this file", "a " + kind + " that HDF5 can read",
                  done > 0 && WIFSIGNALED(status)
                      ? std::string("libhdf5 died with signal ") + std::to_string(WTERMSIG(status)) +
                            " (" + ::strsignal(WTERMSIG(status)) + ")"
                  : done > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0
                      ? "the reading process ended with status " + std::to_string(WEXITSTATUS(status))
                      : "the reading process ended before sending its result",
                  "the file's internal structures are corrupt in a way libhdf5 does not check "
                  "(seen with corrupt local heaps); tenet read it in a separate process, so "
                  "your program is unaffected",
                  kRecreate});
  WireIn in(std::move(got), path, kind);
  in.u64();  // the length, checked above
  raise_outcome(in);
  return in;
}

}  // namespace tenet::data::detail
