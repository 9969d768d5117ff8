// AtomicFile: the one way tenet replaces a file (the rules are in core/base/atomic_file.hpp).
#include "core/base/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include <tenet/core/base/error.hpp>

namespace tenet::files {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinks = 40;          // as the kernel's own limit on a path (ELOOP)
constexpr std::size_t kNameBytes = 32;  // of the target's name kept readable in a temp name

std::string errno_text(int err) { return std::strerror(err); }

std::string dir_of(const std::string& p) {
  const fs::path parent = fs::path(p).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string hex(std::uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = d[v & 15];
  return s;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Where a pid in a temporary file's name means something: "<host>.<run>", the host name's hash
// and the hash of this boot of the kernel with this pid namespace. Machines sharing a directory
// (NFS) have other host names, or other boots if they share one ("localhost").
struct Tags {
  std::string host, run;
};
const Tags& tags() {
  static const Tags t = [] {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    char ns[128] = {};
    const ssize_t n = ::readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    std::string boot;
    std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot);
    return Tags{hex(fnv1a(host), 8), hex(fnv1a(boot + "/" + std::string(ns, n > 0 ? n : 0)), 8)};
  }();
  return t;
}

// When this machine booted (wall clock, seconds): no writer of an earlier boot wrote after it.
double boot_time() {
  timespec real{}, boot{};
  ::clock_gettime(CLOCK_REALTIME, &real);
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<double>(real.tv_sec - boot.tv_sec) + 1e-9 * (real.tv_nsec - boot.tv_nsec);
}

// ".<up to 32 bytes of the name>~<hash of the whole name>." : what every temporary file of
// this target starts with. The cut never splits a UTF-8 sequence.
std::string temp_key(const std::string& name) {
  std::size_t keep = std::min(name.size(), kNameBytes);
  while (keep > 0 && keep < name.size() &&
         (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80)
    --keep;
  return "." + name.substr(0, keep) + "~" + hex(fnv1a(name), 16) + ".";
}

std::string random_suffix() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::mt19937_64(rd() ^ (static_cast<std::uint64_t>(now) << 1) ^
                           std::hash<std::thread::id>()(std::this_thread::get_id()));
  }();
  return hex(rng(), 8);
}



}  // namespace

const char* file_kind(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string temp_file_name(const std::string& target, long pid, const std::string& suffix,
                           const std::string& run) {
  const fs::path t(target);
  const std::string name = temp_key(t.filename().string()) + tags().host + "." +
                           (run.empty() ? tags().run : run) + "-" + std::to_string(pid) + "-" +
                           suffix + ".tmp";
  return (fs::path(dir_of(target)) / name).string();
}

namespace {

// Follows `path` through symbolic links to the file a write replaces or creates.
std::string resolve(const AtomicFile& f, const std::string& path) {
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) {
      const int err = errno;
      if (err == ENOENT) return p;  // a new file (or a dangling link's: created)
      f.fail("cannot look at " + p + ": " + errno_text(err));
    }
    if (!S_ISLNK(st.st_mode)) return p;
    if (hops == kMaxLinks)
      f.fail("more than " + std::to_string(kMaxLinks) + " symbolic links from " + path +
             " (a loop of links?)");
    std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4096), '\0');
    const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
    if (n <= 0) {
      const int err = errno;
      f.fail("cannot read the symbolic link " + p + ": " + errno_text(err));
    }
    link.resize(static_cast<std::size_t>(n));
    p = link[0] == '/' ? link : (fs::path(dir_of(p)) / link).string();
  }
}

// Refuses a target that exists and is not a regular file.
void check_target(const std::string& writer, const std::string& path, const std::string& target) {
  struct stat st;
  if (::lstat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    refuse_target(writer, path, target, file_kind(st.st_mode));
}

// Whether the writer of a temporary file named "<run>-<pid>-..." (`rest`) is certainly gone:
// its pid no longer exists (same run), or it ran on an earlier boot of this machine or in
// another pid namespace and the file has not changed since this machine booted.
bool writer_gone(const char* rest, long mtime) {
  const std::string& run = tags().run;
  char* end = nullptr;
  if (std::strlen(rest) <= run.size() + 1 || rest[run.size()] != '-') return false;
  const long pid = std::strtol(rest + run.size() + 1, &end, 10);
  if (pid <= 0 || *end != '-') return false;
  if (std::string(rest, run.size()) != run)
    return static_cast<double>(mtime) < boot_time() - 1;
  if (pid == ::getpid()) return false;  // another thread's save, running
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes the temporary files of `target` whose writer is gone (writer_gone). Best effort: a
// file that cannot be looked at or removed is left alone.
void remove_dead_writers(const std::string& target) {
  const std::string key = temp_key(fs::path(target).filename().string()) + tags().host + ".";
  const std::string dir = dir_of(target);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {  // plain readdir: a save may sit beside 10,000 files
    const std::size_t len = std::strlen(e->d_name);
    if (len <= key.size() + 4 || std::strncmp(e->d_name, key.c_str(), key.size()) != 0 ||
        std::strcmp(e->d_name + len - 4, ".tmp") != 0)
      continue;
    const std::string path = (fs::path(dir) / e->d_name).string();
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        writer_gone(e->d_name + key.size(), static_cast<long>(st.st_mtim.tv_sec)))
      ::unlink(path.c_str());
  }
  ::closedir(d);
}

}  // namespace

std::string owner_tag() {
  return tags().host + "." + tags().run + "-" + std::to_string(static_cast<long>(::getpid())) + "-";
}

bool owner_gone(const char* rest, long mtime) {
  const std::string host = tags().host + ".";
  return std::strncmp(rest, host.c_str(), host.size()) == 0 && writer_gone(rest + host.size(), mtime);
}

AtomicFile::AtomicFile(const std::string& path, const std::string& writer)
    : path_(path), writer_(writer) {
  if (path.empty() || path.back() == '/' || path.find('\0') != std::string::npos)
    refuse_path(writer, path);
  target_ = resolve(*this, path);
  check_target(writer_, path_, target_);
  // A read-only file (chmod a-w, or not writable by this user) is the user's protection: the
  // rename would replace it anyway, so it is refused as a shell's `>` and h5py refuse it.
  struct stat st;
  if (::stat(target_.c_str(), &st) == 0 &&
      ((st.st_mode & 0222) == 0 || (::access(target_.c_str(), W_OK) != 0 && errno == EACCES)))
    fail("the file is read-only; it was left as it was (make it writable, chmod u+w, to "
         "replace it, or write to another path)");
  remove_dead_writers(target_);
  const std::string dir = dir_of(target_);
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_ = temp_file_name(target_, static_cast<long>(::getpid()), random_suffix());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // minus umask
    if (fd_ >= 0) break;
    const int err = errno;
    if (err == EEXIST && attempt < 100) continue;
    temp_.clear();
    struct stat dst;
    const bool dir_exists = ::stat(dir.c_str(), &dst) == 0 && S_ISDIR(dst.st_mode);
    if ((err == ENOENT || err == ENOTDIR) && !dir_exists)
      fail("the directory " + dir + " does not exist");
    fail("cannot create a temporary file in " + dir + ": " + errno_text(err) +
         (err == EACCES || err == EROFS ? " (the directory is not writable)"
          : err == ENOENT ? " (the directory exists, but its file system does not allow new "
                            "files, as in /proc and /sys)"
                          : ""));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string& what) const {
  const bool linked = !target_.empty() && target_ != path_;
  throw IOError("tenet: cannot write " + path_ + (linked ? " (a link to " + target_ + ")" : "") +
                ": " + what);
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) {
    const int err = errno;
    fail("fsync of " + temp_ + " failed: " + errno_text(err) + " (disk full?)");
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    fail("closing " + temp_ + " failed: " + errno_text(err));
  }
  const char* hook = std::getenv("TENET_TEST_FAIL_BEFORE_RENAME");
  if (hook && *hook)
    fail("TENET_TEST_FAIL_BEFORE_RENAME is set (simulated failure before the rename)");
  check_target(writer_, path_, target_);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    fail("renaming " + temp_ + " to " + target_ + " failed: " + errno_text(err));
  }
  committed_ = true;
  // The rename is durable once the directory is; some file systems cannot fsync directories.
  const int dir = ::open(dir_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, const std::string& writer,
                           const std::string& bytes) {
  AtomicFile out(path, writer);
  for (std::size_t at = 0; at < bytes.size();) {
    const ssize_t n = ::write(out.fd(), bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) out.fail("writing " + out.temp_path() + " failed: " + errno_text(errno) + " (disk full?)");
    at += static_cast<std::size_t>(n);
  }
  out.commit();
}

}  // namespace tenet::files
