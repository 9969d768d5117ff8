#include "data/format_error.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/base/atomic_file.hpp"
#include "core/base/user_call.hpp"
#include <tenet/core/base/error.hpp>

namespace tenet::data::detail {

namespace {
std::atomic<bool> refused_a_file{false};
}  // namespace

bool refused_data_file() { return refused_a_file.load(); }

void format_error(const std::string& file, const std::string& kind, const FormatFacts& f) {
  refused_a_file = true;
  checks::data_format(file, kind, f);
}

void io_error(const std::string& file, const std::string& what, const std::string& hint) {
  std::string msg = "tenet: cannot read " + file + ": " + what;
  if (!hint.empty()) msg += "\n  fix: " + hint;
  throw IOError(msg);
}

void require_regular_file(const std::string& path, const std::string& missing,
                          const std::string& hint) {
  if (path.empty()) io_error("\"\"", "the path is empty", "pass the path of the file to read");
  const UserCall call = current_user_call();  // "model.load_weights", "load_h5", ...
  files::check_no_nul(call.active && call.what ? call.what : "reading a file", path, false);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) io_error(path, missing, hint);
    if (err == ENOTDIR)
      io_error(path, "a part of the path before the last '/' is a file, not a directory",
               "check the path (a trailing '/' makes the name a directory)");
    io_error(path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode))
    io_error(path, std::string("it is ") + files::file_kind(st.st_mode) + ", not a regular file",
             S_ISDIR(st.st_mode) ? "give the path of a file inside the directory"
                                 : "give the path of a regular file; copy the data to one first "
                                   "(a FIFO or device is never read, so reading cannot block)");
}

std::string bytes_str(unsigned long long n) {
  std::string s = std::to_string(n) + (n == 1 ? " byte" : " bytes");
  if (n >= (1ull << 20)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f MiB)", static_cast<double>(n) / (1 << 20));
    s += buf;
  }
  return s;
}

}  // namespace tenet::data::detail
