// Where an HDF5 read runs (data/hdf5_guard.hpp): the isolation switch, the thread count that
// decides between fork and the helper executable, the helper's lookup, the CPU budget, and
// the in-process read.
#include "data/hdf5_guard.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>

#include <tenet/core/contracts/checks.hpp>
#include "core/base/text_escape.hpp"
#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"
#include <tenet/data/hdf5_io.hpp>

namespace tenet::data {

namespace {
std::atomic<Isolation> chosen_isolation{Isolation::from_environment};
}  // namespace

void set_hdf5_isolation(Isolation mode) { chosen_isolation = mode; }

Isolation hdf5_isolation() {
  const Isolation chosen = chosen_isolation.load();
  if (chosen != Isolation::from_environment) return chosen;
  const char* env = std::getenv("TENET_HDF5_ISOLATION");
  const std::string value = env ? env : "";
  if (value.empty()) {  // the older switch, still honoured (scripts/fuzz.sh used it)
    const char* old = std::getenv("TENET_HDF5_IN_PROCESS");
    return old && *old == '1' ? Isolation::in_process : Isolation::child_process;
  }
  if (value == "in_process") return Isolation::in_process;
  if (value == "process") return Isolation::child_process;
  checks::invalid_option("TENET_HDF5_ISOLATION", "'" + value + "'", "'in_process' or 'process'",
                         Site("TENET_HDF5_ISOLATION", "environment variable"), Phase::load,
                         "TENET_HDF5_ISOLATION says where HDF5 files are read: 'process' (the "
                         "default: a separate process, so a corrupt file cannot crash the "
                         "program) or 'in_process'",
                         "unset TENET_HDF5_ISOLATION, or set it to 'process' or 'in_process'");
}

}  // namespace tenet::data

namespace tenet::data::detail {

namespace {

using std::chrono::milliseconds;

thread_local ReadPath last_path = ReadPath::in_process;

// CPU time the reading process may spend: a 1 s base plus 20 ms per MiB of the most data the
// file can hand back: its size times deflate's largest ratio (a 1.7 MB file may hold 1.7 GB of
// compressed zeros, which take seconds to inflate), at most the machine's memory (a read
// cannot return more). CPU time rather than wall time, so a busy machine never makes a good
// file look stuck. TENET_HDF5_CPU_BUDGET_MS replaces the 1 s base (scripts/fuzz.sh sets
// 25 ms: its inputs are small, and every input on which libhdf5 loops costs the whole budget).
milliseconds read_allowance(const std::string& path) {
  std::error_code ec;
  const unsigned long long size = std::filesystem::file_size(path, ec);
  const unsigned long long memory = static_cast<unsigned long long>(::sysconf(_SC_PHYS_PAGES)) *
                                    static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
  const unsigned long long most = ec ? 0 : std::min(size, memory / kMaxDeflateRatio) * kMaxDeflateRatio;
  long long base = 1000;
  if (const char* env = std::getenv("TENET_HDF5_CPU_BUDGET_MS"); env && *env) {
    char* end = nullptr;
    const long long v = std::strtoll(env, &end, 10);
    if (!(end && *end == '\0' && v > 0 && v <= 10'000'000LL))  // at most ~3 hours
      checks::invalid_option(
          "TENET_HDF5_CPU_BUDGET_MS", text::quoted(text::valid_utf8(env), 64),
          "an integer number of milliseconds in [1, 10000000]",
          Site("TENET_HDF5_CPU_BUDGET_MS", "environment variable"), Phase::load,
          "TENET_HDF5_CPU_BUDGET_MS replaces the 1000 ms of CPU time the reading process may "
          "spend before the file counts as stuck; a value tenet cannot read would silently "
          "keep the default",
          "unset it, or set a whole number of milliseconds, e.g. TENET_HDF5_CPU_BUDGET_MS=5000");
    base = v;
  }
  return milliseconds(base + 20 * static_cast<long long>(most >> 20));
}

bool executable(const std::string& file) {
  return !file.empty() && ::access(file.c_str(), X_OK) == 0 && !std::filesystem::is_directory(file);
}

// A note printed once per process, the first time a read cannot be isolated.
void note_in_process_fallback() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::cerr << "tenet: note: this program runs several threads and the tenet-h5-reader "
                 "helper was not found (set TENET_H5_READER to its path), so HDF5 files are "
                 "read in this process: a corrupt file can crash it. Set "
                 "TENET_HDF5_ISOLATION=in_process to read in-process without this note.\n";
  });
}

// Restores the program's HDF5 error printing after an in-process read (the readers switch it
// off for the thread while they read).
class KeepHdf5ErrorPrinting {
 public:
  KeepHdf5ErrorPrinting() { H5Eget_auto2(H5E_DEFAULT, &func_, &data_); }
  ~KeepHdf5ErrorPrinting() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The read in this process, through the same encoding as a reading process's result, so its
// arrays and errors are the same.
WireIn read_here(const std::string& path, const std::string& kind,
                 const std::function<void(WireOut&)>& read) {
  guard_hdf5_exit();
  std::string bytes;
  {
    KeepHdf5ErrorPrinting keep;
    bytes = encode_read(read);
  }
  WireIn in(std::move(bytes), path, kind);
  raise_outcome(in);
  return in;
}

}  // namespace

std::size_t thread_count() {
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir) return 0;
  std::size_t n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n;
}

// The helper where `cmake --install --prefix <dir>` put it beside this library: the installed
// libtenet.so in <dir>/lib finds <dir>/libexec/tenet/tenet-h5-reader, whatever <dir> is.
static std::string helper_beside_library() {
#ifdef TENET_H5_READER_FROM_LIBRARY
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&helper_path), &info) == 0 || !info.dli_fname) return "";
  const auto dir = std::filesystem::path(info.dli_fname).parent_path();
  return (dir / TENET_H5_READER_FROM_LIBRARY).lexically_normal().string();
#else
  return "";
#endif
}

std::string helper_path() {
  if (const char* env = std::getenv("TENET_H5_READER"); env && *env) {
    if (!executable(env)) refuse_helper("", env, std::string("no executable file at ") + env);
    return env;
  }
  if (std::string beside = helper_beside_library(); executable(beside)) return beside;
#ifdef TENET_H5_READER_BUILD_PATH
  if (executable(TENET_H5_READER_BUILD_PATH)) return TENET_H5_READER_BUILD_PATH;
#endif
#ifdef TENET_H5_READER_INSTALL_PATH
  if (executable(TENET_H5_READER_INSTALL_PATH)) return TENET_H5_READER_INSTALL_PATH;
#endif
  return "";
}

void refuse_helper(const std::string& path, const std::string& exe, const std::string& cause) {
  if (const char* env = std::getenv("TENET_H5_READER"); env && exe == env)
    checks::invalid_option("TENET_H5_READER", "'" + exe + "'",
                           "the path of an executable tenet-h5-reader",
                           Site("TENET_H5_READER", "environment variable"), Phase::load, cause,
                           "unset TENET_H5_READER, or point it to the tenet-h5-reader built "
                           "with tenet (build/tenet-h5-reader, or <prefix>/libexec/tenet/)");
  io_error(path, "the HDF5 reading helper " + exe + " is broken: " + cause,
           "rebuild or reinstall tenet");
}

ReadPath last_read_path() { return last_path; }

ReadPath choose_read_path(bool helper_can_read) {
  if (hdf5_isolation() == Isolation::in_process) return ReadPath::in_process;
  if (thread_count() == 1) return ReadPath::forked;
  if (helper_can_read && !helper_path().empty()) return ReadPath::spawned;
  note_in_process_fallback();
  return ReadPath::in_process;
}

WireIn read_in_child(const std::string& path, const std::string& kind,
                     const std::function<void(WireOut&)>& read, const HelperRead* helper) {
  const ReadPath where = choose_read_path(helper != nullptr);
  last_path = where;
  if (where == ReadPath::in_process) return read_here(path, kind, read);
  // A fork inherits libhdf5 started (starting it takes longer than reading a small file);
  // H5open reads no file and changes nothing the program sees.
  if (where == ReadPath::forked) H5open();
  return read_in_other_process(path, kind, read_allowance(path), read,
                               where == ReadPath::spawned ? helper : nullptr,
                               where == ReadPath::spawned ? helper_path() : std::string());
}

}  // namespace tenet::data::detail
