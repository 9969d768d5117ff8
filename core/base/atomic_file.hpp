#pragma once
// Atomic replacement of a file (internal to tenet). Every file tenet writes goes through here:
// Model::save_weights (and so ModelCheckpoint) and data::save_h5 via write_h5_atomically,
// data::write_idx directly, and the text files (CSVLogger, write_history_csv, plot_history) via
// write_file_atomically. One set of rules for all of them:
//
// The target. `path` may name a writable regular file (replaced), nothing yet (created), or a
// symbolic link: the link is followed (chains too) and the file it names is written; the link itself
// stays a link. A dangling link is followed too and the file it names is created, as a shell's
// `>` redirection does. Anything else at the end of the chain (a directory, a character or
// block device such as /dev/null, a FIFO, a socket) is never replaced: options.invalid naming
// the path and what it is ("a character device"), before anything is written and again just
// before the rename. An empty path, or one ending in '/', is refused the same way. A read-only
// file (no write bit at all, or not writable by this user) raises IOError and stays. A missing
// directory, a link loop or a directory without write permission raise IOError naming it.
//
// The temporary file. A new file in the final file's directory (so the rename stays within
// one file system), created with O_EXCL under a unique name that fits NAME_MAX whatever the
// target's length: "." + at most 32 bytes of the target's name + "~" + a 64-bit hash of the
// whole name + "." + <host> + "." + <run> + "-" + the writer's pid + "-" + a random suffix +
// ".tmp", where <host> hashes the host name and <run> this boot of the kernel and the pid
// namespace. It is created with mode 0666 minus the umask (like any new file); the replaced
// file's mode is not copied. It is removed on every failure (exceptions, HDF5 errors, disk
// full). Temporary files of the same target left by writers that were killed (SIGKILL, power
// loss) are removed by the next write: those of this host whose pid no longer exists in this
// run, and those of this host from another run (an earlier boot) not modified since this
// machine booted. A live writer's file is never touched; nor is another host's, nor any file
// not named by this scheme (a user's "<path>.tmp" is safe).
//
// Durability and concurrency. commit() fsyncs the temporary file, renames it over the target
// and fsyncs the directory. Any number of threads and processes may write one target at once:
// each has its own temporary file, the last rename wins, and a reader always sees one
// complete file. Other hard links to a replaced file keep its old content.
//
// Test hook: when the environment variable TENET_TEST_FAIL_BEFORE_RENAME is set (non-empty),
// commit() raises IOError just before the rename.
#include <string>

namespace tenet::files {

class AtomicFile {
 public:
  // Resolves and checks the target, removes temporary files of dead writers of the same
  // target, and creates this writer's temporary file. `writer` names the caller in errors
  // ("save_weights", "save_h5", "write_idx").
  AtomicFile(const std::string& path, const std::string& writer);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }         // as the user gave it
  const std::string& target() const { return target_; }     // the file replaced (links followed)
  const std::string& temp_path() const { return temp_; }
  int fd() const { return fd_; }  // open for writing, at offset 0, until commit()

  // fsync, check the target again, rename over it, fsync the directory.
  void commit();
  // IOError "tenet: cannot write <path>: <what>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_, writer_, target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `bytes` as the whole content of `path` through an AtomicFile (the rules above: a FIFO,
// device or directory is refused with options.invalid, never opened, so a write never blocks).
void write_file_atomically(const std::string& path, const std::string& writer,
                           const std::string& bytes);
// The name a writer with process id `pid` gives its temporary file for `target` (a path),
// with `suffix` as its random part and `run` as its run tag (8 hex digits; empty: this
// process's): the directory of `target` joined with the name described above. For tests,
// which plant the files a killed writer would leave.
std::string temp_file_name(const std::string& target, long pid, const std::string& suffix,
                           const std::string& run = {});

// "<host>.<run>-<pid>-": this process as the temporary names above name it. Temporary
// directories of other writers (a .keras archive's extracted weights) carry it too, so that
// owner_gone can tell when what they left behind may be removed.
std::string owner_tag();
// Whether the owner named at the start of `rest` ("<host>.<run>-<pid>-...", as owner_tag
// writes it) is certainly gone, by the rule of temporary files: this host, and its process no
// longer exists (same run) or its run is an earlier boot or another pid namespace and `mtime`
// (the file's, seconds since the epoch) is before this boot. Never this process.
bool owner_gone(const char* rest, long mtime);

// What a file that is not a regular file is, from its st_mode: "a directory", "a character
// device", "a block device", "a FIFO (named pipe)", "a socket".
const char* file_kind(unsigned mode);

// options.invalid: `path` (through links, `target`) is `kind` ("a directory"), something a
// write must never replace; or `path` is empty or ends in '/'. Defined with the checks, in
// core/contracts/file_errors.cpp (core/base sits below them).
[[noreturn]] void refuse_target(const std::string& writer, const std::string& path,
                                const std::string& target, const std::string& kind);
[[noreturn]] void refuse_path(const std::string& writer, const std::string& path);
// options.invalid when `path` holds a NUL character: the system would end the path there and
// `user` (a writer when `writes`, else a reader) would use another file. Also in
// core/contracts/file_errors.cpp.
void check_no_nul(const std::string& user, const std::string& path, bool writes);

}  // namespace tenet::files
